package dev.roster.internal;

import dev.roster.RosterEventListener.RegisterReason;
import dev.roster.RosterException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes registrations' nodes match them, acting on {@link NodeAction#decide}; runs on the
 * registrar's context only.
 *
 * <p>Two paths share that decision. {@link #ensure} handles one registration: when the node
 * is most likely missing (a new registration, a node deleted from outside) it creates first,
 * with the self-healing watch sent behind it in the same round trip, since a successful create proves
 * the node is ours (two requests, one round trip); otherwise it reads, decides and acts. {@link #pipelined} handles many at
 * once after a reconnect: every watch and read is sent before the first answer is awaited,
 * then every write.
 */
final class NodeReconciler {
  private static final Logger log = LoggerFactory.getLogger(NodeReconciler.class);

  /**
   * The result of making one node right. REFUSED: the service node is not ours to register
   * under ({@link Ownership}), or ZooKeeper answered NoAuth or InvalidACL; {@code refusal} says
   * which, and how to fix it.
   */
  record Outcome(Kind kind, long owner, @Nullable KeeperException error, @Nullable RosterException refusal) {
    enum Kind { OK, CONFLICT, RETRY, FAILED, REFUSED }

    static final Outcome OK = new Outcome(Kind.OK, 0, null, null);

    static Outcome conflict(long owner) {
      return new Outcome(Kind.CONFLICT, owner, null, null);
    }

    static Outcome of(KeeperException e) {
      return new Outcome(ZkOps.isConnectionProblem(e) ? Kind.RETRY : Kind.FAILED, 0, e, null);
    }

    static Outcome refused(RosterException why) {
      return new Outcome(Kind.REFUSED, 0, why.getCause() instanceof KeeperException ke ? ke : null, why);
    }
  }

  private final RosterCore core;
  private final Set<Long> ourSessions;
  private final Ownership ownership;

  NodeReconciler(RosterCore core, Set<Long> ourSessions, Ownership ownership) {
    this.core = core;
    this.ourSessions = ourSessions;
    this.ownership = ownership;
  }

  /**
   * Makes one registration's node right.
   *
   * @param createFirst try the create before reading: the node is most likely missing
   */
  Outcome ensure(RegistrationImpl reg, boolean createFirst) {
    if (!reg.open) {
      return Outcome.OK;
    }
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null || !core.isConnected()) {
      return Outcome.of(KeeperException.create(Code.CONNECTIONLOSS, reg.path));
    }
    long sid = zk.getSessionId();
    noteSession(sid);
    long began = System.nanoTime();
    Duration timeout = core.config().operationTimeout();
    String service = reg.instance.service();
    String servicePath = servicePath(reg);
    // What is being tried, for the message if ZooKeeper refuses it.
    String op = "read";
    String opPath = reg.path;
    try {
      boolean create = createFirst;
      CompletableFuture<Void> watch = null;
      for (int attempt = 0; attempt < 8; attempt++) {
        if (!ownership.verified(sid, service)) {
          op = "read";
          opPath = servicePath;
          Ownership.Check check = ownership.check(zk, sid, service, servicePath, timeout);
          if (check.verdict() == Ownership.Verdict.REFUSED) {
            return Outcome.refused(check.refusal());
          }
          if (check.verdict() == Ownership.Verdict.ABSENT) {
            // Made here, before the instance: a service node someone else makes meanwhile is
            // then found existing and checked, never created into unseen.
            op = "create";
            settleParents(zk, sid, reg, timeout);
            continue;
          }
        }
        if (create) {
          create = false;
          op = "create";
          opPath = reg.path;
          CompletableFuture<String> created = ZkOps.create(zk, reg.path, reg.data, ownership.nodeAcl(),
              CreateMode.EPHEMERAL);
          if (watch == null) {
            // Pipelined right behind the create, so both cost one round trip. Behind it, not
            // before: the server passes every request of a session through its processor
            // threads in order, and a watch sent first delays the create by its own passage
            // (measured on one embedded server: 525 µs a registration watch-first, 460 µs
            // create-first, 438 µs for a create alone). The price is a window of one server
            // hand-off in which another client deleting the node it has just seen appear
            // would go unnoticed until the next reconnect's reconciliation.
            watch = watch(zk, reg, sid);
          }
          try {
            ZkOps.await(created, timeout);
          } catch (KeeperException.NoNodeException e) {
            settleParents(zk, sid, reg, timeout);
            create = true;
            continue;
          } catch (KeeperException.NodeExistsException e) {
            continue; // someone's node after all: read it and decide
          }
          op = "watch";
          ZkOps.await(watch, timeout);
          done(reg, NodeAction.CREATE, sid, 0, began);
          return Outcome.OK;
        }
        if (watch == null) {
          watch = watch(zk, reg, sid);
        }
        op = "read";
        opPath = reg.path;
        ZkOps.NodeData node = ZkOps.await(ZkOps.getData(zk, reg.path), timeout);
        long owner = node == null ? 0 : node.stat().getEphemeralOwner();
        NodeAction action = NodeAction.decide(node == null ? null : node.data(), owner, sid, ourSessions, reg.data);
        try {
          switch (action) {
            case CREATE -> {
              create = true;
              continue;
            }
            case KEEP -> { }
            case SET_DATA -> {
              op = "setData";
              reg.writtenZxid =
                  ZkOps.await(ZkOps.setData(zk, reg.path, reg.data, node.stat().getVersion()), timeout).getMzxid();
            }
            case REPLACE -> {
              op = "replace";
              ZkOps.await(ZkOps.multi(zk, replace(reg, node.stat().getVersion())), timeout);
            }
            case CONFLICT -> {
              op = "watch";
              ZkOps.await(watch, timeout); // so that its deletion is noticed and the registration made then
              return Outcome.conflict(owner);
            }
          }
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
            | KeeperException.NodeExistsException e) {
          continue; // changed under us: read again
        }
        op = "watch";
        ZkOps.await(watch, timeout);
        done(reg, action, sid, owner, began);
        return Outcome.OK;
      }
      return Outcome.of(KeeperException.create(Code.OPERATIONTIMEOUT, reg.path));
    } catch (KeeperException e) {
      if (Ownership.isAccessProblem(e)) {
        String path = op.equals("create") && e.getPath() != null ? e.getPath() : opPath;
        return Outcome.refused(ownership.refused(zk, op, path, e, timeout));
      }
      return Outcome.of(e);
    }
  }

  /**
   * Creates the directories above a registration's node, and records whether this session
   * made its service node (then verified: it has our ACL) or found it made by someone (then
   * checked before anything is created in it).
   */
  private void settleParents(ZooKeeper zk, long sid, RegistrationImpl reg, Duration timeout) throws KeeperException {
    String service = reg.instance.service();
    if (createParents(zk, reg.path, servicePath(reg), timeout)) {
      ownership.created(sid, service);
    } else {
      ownership.forget(service);
    }
  }

  /** The path of a registration's service node: its node's parent. */
  private static String servicePath(RegistrationImpl reg) {
    return reg.path.substring(0, reg.path.lastIndexOf('/'));
  }

  /**
   * Under an owned policy, checks the services of {@code regs} not verified on this session
   * (their ACLs read pipelined), and creates those that do not exist.
   *
   * @return the registrations whose service is verified; the others are added to {@code again}
   *     (their service needs the one-by-one path) or {@code refused}
   */
  private List<RegistrationImpl> settleServices(ZooKeeper zk, long sid, List<RegistrationImpl> regs, long deadline,
      List<RegistrationImpl> again, Map<RegistrationImpl, RosterException> refused) throws KeeperException {
    if (!ownership.owned()) {
      return regs;
    }
    Map<String, String> unverified = new LinkedHashMap<>();
    for (RegistrationImpl reg : regs) {
      if (!ownership.verified(sid, reg.instance.service())) {
        unverified.put(reg.instance.service(), servicePath(reg));
      }
    }
    if (unverified.isEmpty()) {
      return regs;
    }
    Map<String, Ownership.Check> checks = ownership.checkAll(zk, sid, unverified, remaining(deadline));
    List<RegistrationImpl> absent = new ArrayList<>();
    for (RegistrationImpl reg : regs) {
      Ownership.Check c = checks.get(reg.instance.service());
      if (c != null && c.verdict() == Ownership.Verdict.ABSENT) {
        absent.add(reg);
      }
    }
    if (!absent.isEmpty()) {
      Set<String> made = createDirectories(zk, absent, deadline);
      for (RegistrationImpl reg : absent) {
        if (made.contains(servicePath(reg))) {
          ownership.created(sid, reg.instance.service());
        }
      }
    }
    List<RegistrationImpl> ready = new ArrayList<>(regs.size());
    for (RegistrationImpl reg : regs) {
      Ownership.Check c = checks.get(reg.instance.service());
      if (c != null && c.verdict() == Ownership.Verdict.REFUSED) {
        refused.put(reg, c.refusal());
      } else if (ownership.verified(sid, reg.instance.service())) {
        ready.add(reg);
      } else {
        again.add(reg); // made by someone else meanwhile: checked one by one
      }
    }
    return ready;
  }

  /** What one pipelined write did, applied once everything has answered. */
  private record Written(RegistrationImpl reg, NodeAction action, long oldOwner, @Nullable Throwable error) {}

  /** What {@link #pipelined} left undone. */
  record Pass(List<RegistrationImpl> again, Map<RegistrationImpl, RosterException> refused) {}

  /**
   * {@link #ensure} for many registrations at once, all reads and then all writes pipelined.
   *
   * @return in {@code again}, the registrations that need the one-by-one path (a race, a
   *     missing parent, a conflict to report); in {@code refused}, those whose service node is
   *     not ours (see {@link Ownership}); or null on a connection problem
   */
  @Nullable Pass pipelined(ZooKeeper zk, long sid, List<RegistrationImpl> all) {
    noteSession(sid);
    Duration timeout = core.config().operationTimeout();
    long began = System.nanoTime();
    long deadline = began + timeout.toNanos();
    List<RegistrationImpl> again = new ArrayList<>();
    Map<RegistrationImpl, RosterException> refused = new LinkedHashMap<>();
    List<RegistrationImpl> regs;
    try {
      regs = settleServices(zk, sid, all, deadline, again, refused);
    } catch (KeeperException e) {
      return ZkOps.isConnectionProblem(e) ? null : new Pass(all, Map.of());
    }
    List<CompletableFuture<Void>> watches = new ArrayList<>();
    List<CompletableFuture<ZkOps.NodeData>> reads = new ArrayList<>(regs.size());
    for (RegistrationImpl reg : regs) {
      if (reg.watchSession != sid) {
        watches.add(watch(zk, reg, sid));
      }
      reads.add(ZkOps.getData(zk, reg.path));
    }
    List<CompletableFuture<Written>> writes = new ArrayList<>();
    try {
      awaitAll(watches, reads, deadline);
      for (CompletableFuture<Void> w : watches) {
        ZkOps.await(w, remaining(deadline));
      }
      for (int i = 0; i < regs.size(); i++) {
        RegistrationImpl reg = regs.get(i);
        ZkOps.NodeData node = ZkOps.await(reads.get(i), remaining(deadline));
        if (!reg.open) {
          continue;
        }
        long owner = node == null ? 0 : node.stat().getEphemeralOwner();
        NodeAction action = NodeAction.decide(node == null ? null : node.data(), owner, sid, ourSessions, reg.data);
        CompletableFuture<?> write = switch (action) {
          case CREATE -> ZkOps.create(zk, reg.path, reg.data, ownership.nodeAcl(), CreateMode.EPHEMERAL);
          case KEEP -> CompletableFuture.completedFuture(null);
          case SET_DATA -> ZkOps.setData(zk, reg.path, reg.data, node.stat().getVersion())
              .thenAccept(stat -> reg.writtenZxid = stat.getMzxid());
          case REPLACE -> ZkOps.multi(zk, replace(reg, node.stat().getVersion()));
          case CONFLICT -> null;
        };
        if (write == null) {
          again.add(reg); // reported by the one-by-one path
        } else {
          writes.add(write.handle((r, err) -> new Written(reg, action, owner, err)));
        }
      }
      awaitAll(writes, List.of(), deadline);
      for (CompletableFuture<Written> f : writes) {
        Written w = ZkOps.await(f, remaining(deadline));
        if (w.error() != null) {
          Throwable cause = w.error() instanceof CompletionException ce ? ce.getCause() : w.error();
          if (cause instanceof KeeperException ke && ZkOps.isConnectionProblem(ke)) {
            return null;
          }
          // A refusal among them (NoAuth, say) is explained by the one-by-one path.
          again.add(w.reg());
          continue;
        }
        done(w.reg(), w.action(), sid, w.oldOwner(), began);
      }
    } catch (KeeperException e) {
      if (ZkOps.isConnectionProblem(e)) {
        return null;
      }
      again.addAll(regs); // something unexpected: take the careful path for all
    }
    return new Pass(again, refused);
  }

  /** What {@link #createAll} left undone. */
  record Batch(List<RegistrationImpl> again, List<RegistrationImpl> retry,
      Map<RegistrationImpl, RosterException> refused) {}

  /**
   * {@link #ensure} with {@code createFirst} for many new registrations at once: every watch
   * and create is sent before the first answer is awaited, so a thousand registrations cost
   * two thousand requests but about one round trip. Parents found missing are created once
   * per directory, pipelined too, and those creates sent again.
   *
   * @return in {@code again}, the registrations whose node exists or could not be made for a
   *     reason other than the connection, for the one-by-one path to read, decide or report;
   *     in {@code retry}, those a connection problem left undone; in {@code refused}, those
   *     whose service node is not ours (see {@link Ownership})
   */
  Batch createAll(ZooKeeper zk, long sid, List<RegistrationImpl> regs) {
    noteSession(sid);
    long began = System.nanoTime();
    long deadline = began + core.config().operationTimeout().toNanos();
    List<RegistrationImpl> again = new ArrayList<>();
    List<RegistrationImpl> retry = new ArrayList<>();
    Map<RegistrationImpl, RosterException> refused = new LinkedHashMap<>();
    List<RegistrationImpl> todo;
    try {
      todo = settleServices(zk, sid, regs, deadline, again, refused);
    } catch (KeeperException e) {
      return ZkOps.isConnectionProblem(e) ? new Batch(List.of(), regs, Map.of()) : new Batch(regs, List.of(), Map.of());
    }
    for (int round = 0; round < 2 && !todo.isEmpty(); round++) {
      List<CompletableFuture<Void>> watches = new ArrayList<>(todo.size());
      List<CompletableFuture<String>> creates = new ArrayList<>(todo.size());
      for (RegistrationImpl reg : todo) {
        creates.add(ZkOps.create(zk, reg.path, reg.data, ownership.nodeAcl(), CreateMode.EPHEMERAL));
      }
      for (RegistrationImpl reg : todo) {
        watches.add(watch(zk, reg, sid));
      }
      List<RegistrationImpl> orphans = new ArrayList<>();
      awaitAll(creates, watches, deadline);
      for (int i = 0; i < todo.size(); i++) {
        RegistrationImpl reg = todo.get(i);
        try {
          ZkOps.await(creates.get(i), remaining(deadline));
          ZkOps.await(watches.get(i), remaining(deadline));
          done(reg, NodeAction.CREATE, sid, 0, began);
        } catch (KeeperException.NoNodeException e) {
          orphans.add(reg);
        } catch (KeeperException e) {
          (ZkOps.isConnectionProblem(e) ? retry : again).add(reg);
        }
      }
      if (orphans.isEmpty() || round == 1) {
        again.addAll(orphans); // the one-by-one path creates parents as it goes
        break;
      }
      Set<String> made;
      try {
        made = createDirectories(zk, orphans, deadline);
      } catch (KeeperException e) {
        (ZkOps.isConnectionProblem(e) ? retry : again).addAll(orphans);
        break;
      }
      todo = new ArrayList<>(orphans.size());
      for (RegistrationImpl reg : orphans) {
        // A service node that vanished since it was verified, and that someone else made
        // again meanwhile, is checked again before anything is created in it.
        if (made.contains(servicePath(reg))) {
          ownership.created(sid, reg.instance.service());
        } else {
          ownership.forget(reg.instance.service());
        }
        (ownership.verified(sid, reg.instance.service()) ? todo : again).add(reg);
      }
    }
    return new Batch(again, retry, refused);
  }

  /**
   * Waits for two lists of pipelined requests at once, so their answers are then read
   * without a wait each. Running out of time is left to the reads that follow: each of those
   * still pending then fails at once with a timeout, and is retried like a connection loss.
   */
  private static void awaitAll(List<? extends CompletableFuture<?>> some, List<? extends CompletableFuture<?>> more,
      long deadline) {
    List<CompletableFuture<?>> all = new ArrayList<>(some.size() + more.size());
    all.addAll(some);
    all.addAll(more);
    try {
      ZkOps.awaitAll(all, remaining(deadline));
    } catch (KeeperException e) {
      // see above
    }
  }

  /**
   * Creates every directory above these registrations' nodes, pipelined, as containers.
   *
   * @return the directories this call created (the others existed)
   */
  private Set<String> createDirectories(ZooKeeper zk, List<RegistrationImpl> regs, long deadline)
      throws KeeperException {
    Map<String, Boolean> dirs = new LinkedHashMap<>(); // directory, and whether it is a service node
    for (RegistrationImpl reg : regs) {
      String servicePath = servicePath(reg);
      for (int i = reg.path.indexOf('/', 1); i > 0; i = reg.path.indexOf('/', i + 1)) {
        String dir = reg.path.substring(0, i);
        dirs.merge(dir, dir.equals(servicePath), Boolean::logicalOr);
      }
    }
    // One session's requests are handled in order, so a parent's create runs before its child's.
    Map<String, CompletableFuture<String>> creates = new LinkedHashMap<>();
    for (Map.Entry<String, Boolean> dir : dirs.entrySet()) {
      List<ACL> acl = dir.getValue() ? ownership.nodeAcl() : ownership.directoryAcl(dir.getKey(), "");
      creates.put(dir.getKey(), ZkOps.create(zk, dir.getKey(), new byte[0], acl, CreateMode.CONTAINER));
    }
    Set<String> made = new HashSet<>();
    for (Map.Entry<String, CompletableFuture<String>> c : creates.entrySet()) {
      try {
        ZkOps.await(c.getValue(), remaining(deadline));
        made.add(c.getKey());
      } catch (KeeperException.NodeExistsException e) {
        // made by someone else, or earlier: fine
      }
    }
    return made;
  }

  /**
   * Records that the node is right on {@code sid}, and tells listeners what was done: the
   * first time, that the registration is made (NEW, however the node came to be right);
   * later, a node created again on another session than the one it was last right on went
   * with that session, and one created again on the same session was deleted from outside.
   *
   * @param began when this attempt started, for a loss that no event announced
   */
  private void done(RegistrationImpl reg, NodeAction action, long sid, long oldOwner, long began) {
    boolean first = !reg.everCreated;
    long lastSession = reg.session;
    long since = first ? reg.startedNanos : reg.lostSinceNanos != 0 ? reg.lostSinceNanos : began;
    Duration took = Duration.ofNanos(System.nanoTime() - since);
    reg.everCreated = true;
    reg.session = sid;
    synchronized (reg) {
      reg.refusal = null;
    }
    reg.lostSinceNanos = 0;
    if (action == NodeAction.REPLACE) {
      log.info("replaced {} left by our earlier session 0x{} on session 0x{}", reg.path,
          Long.toHexString(oldOwner), Long.toHexString(sid));
      core.events().staleNodeReplaced(reg.instance, oldOwner);
    }
    if (first) {
      if (reg.announce()) {
        core.events().registered(reg.instance, RegisterReason.NEW, took);
      }
    } else if (action == NodeAction.CREATE) {
      RegisterReason reason = lastSession != sid ? RegisterReason.SESSION_EXPIRED : RegisterReason.NODE_DELETED;
      log.info("re-created {} on session 0x{} ({})", reg.path, Long.toHexString(sid),
          reason.name().toLowerCase().replace('_', ' '));
      core.events().registered(reg.instance, reason, took);
    }
  }

  private void noteSession(long sid) {
    if (sid != 0) {
      ourSessions.add(sid);
    }
  }

  /**
   * Replaces a node in one transaction. It begins by writing the service node's (empty) data:
   * every watcher's recursive watch sees that before the deletion, with the same zxid, and so
   * knows to re-read rather than report the instance gone (see {@code SharedView}).
   */
  private List<Op> replace(RegistrationImpl reg, int version) {
    return List.of(
        Op.setData(reg.path.substring(0, reg.path.lastIndexOf('/')), new byte[0], -1),
        Op.delete(reg.path, version),
        Op.create(reg.path, reg.data, ownership.nodeAcl(), CreateMode.EPHEMERAL));
  }

  /** Adds the node's persistent watch once per session, for self-healing. */
  private static CompletableFuture<Void> watch(ZooKeeper zk, RegistrationImpl reg, long sid) {
    if (reg.watchSession == sid) {
      return CompletableFuture.completedFuture(null);
    }
    return ZkOps.addWatch(zk, reg.path, reg, false).thenRun(() -> reg.watchSession = sid);
  }

  /**
   * Creates the directories above {@code path}, as containers, each with its ACL.
   *
   * @return true if this call created the service node at {@code servicePath}
   */
  private boolean createParents(ZooKeeper zk, String path, String servicePath, Duration timeout)
      throws KeeperException {
    boolean made = false;
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      String dir = path.substring(0, i);
      try {
        ZkOps.await(ZkOps.create(zk, dir, new byte[0], ownership.directoryAcl(dir, servicePath),
            CreateMode.CONTAINER), timeout);
        made = dir.equals(servicePath);
      } catch (KeeperException.NodeExistsException e) {
        made = false; // made by someone else, or earlier: fine
      }
    }
    return made;
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }
}
