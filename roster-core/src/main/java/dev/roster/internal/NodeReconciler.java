package dev.roster.internal;

import dev.roster.RosterEventListener.RegisterReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
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

  /** The result of making one node right. */
  record Outcome(Kind kind, long owner, @Nullable KeeperException error) {
    enum Kind { OK, CONFLICT, RETRY, FAILED }

    static final Outcome OK = new Outcome(Kind.OK, 0, null);

    static Outcome conflict(long owner) {
      return new Outcome(Kind.CONFLICT, owner, null);
    }

    static Outcome of(KeeperException e) {
      return new Outcome(ZkOps.isConnectionProblem(e) ? Kind.RETRY : Kind.FAILED, 0, e);
    }
  }

  private final RosterCore core;
  private final Set<Long> ourSessions;

  NodeReconciler(RosterCore core, Set<Long> ourSessions) {
    this.core = core;
    this.ourSessions = ourSessions;
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
    try {
      boolean create = createFirst;
      CompletableFuture<Void> watch = null;
      for (int attempt = 0; attempt < 8; attempt++) {
        if (create) {
          create = false;
          CompletableFuture<String> created = ZkOps.create(zk, reg.path, reg.data, CreateMode.EPHEMERAL);
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
            createParents(zk, reg.path, timeout);
            create = true;
            continue;
          } catch (KeeperException.NodeExistsException e) {
            continue; // someone's node after all: read it and decide
          }
          ZkOps.await(watch, timeout);
          done(reg, NodeAction.CREATE, sid, 0, began);
          return Outcome.OK;
        }
        if (watch == null) {
          watch = watch(zk, reg, sid);
        }
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
            case SET_DATA -> reg.writtenZxid =
                ZkOps.await(ZkOps.setData(zk, reg.path, reg.data, node.stat().getVersion()), timeout).getMzxid();
            case REPLACE -> ZkOps.await(ZkOps.multi(zk, replace(reg, node.stat().getVersion())), timeout);
            case CONFLICT -> {
              ZkOps.await(watch, timeout); // so that its deletion is noticed and the registration made then
              return Outcome.conflict(owner);
            }
          }
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
            | KeeperException.NodeExistsException e) {
          continue; // changed under us: read again
        }
        ZkOps.await(watch, timeout);
        done(reg, action, sid, owner, began);
        return Outcome.OK;
      }
      return Outcome.of(KeeperException.create(Code.OPERATIONTIMEOUT, reg.path));
    } catch (KeeperException e) {
      return Outcome.of(e);
    }
  }

  /** What one pipelined write did, applied once everything has answered. */
  private record Written(RegistrationImpl reg, NodeAction action, long oldOwner, @Nullable Throwable error) {}

  /**
   * {@link #ensure} for many registrations at once, all reads and then all writes pipelined.
   *
   * @return the registrations that need the one-by-one path (a race, a missing parent, a
   *     conflict to report), or null on a connection problem
   */
  @Nullable List<RegistrationImpl> pipelined(ZooKeeper zk, long sid, List<RegistrationImpl> regs) {
    noteSession(sid);
    Duration timeout = core.config().operationTimeout();
    long began = System.nanoTime();
    long deadline = began + timeout.toNanos();
    List<CompletableFuture<Void>> watches = new ArrayList<>();
    List<CompletableFuture<ZkOps.NodeData>> reads = new ArrayList<>(regs.size());
    for (RegistrationImpl reg : regs) {
      if (reg.watchSession != sid) {
        watches.add(watch(zk, reg, sid));
      }
      reads.add(ZkOps.getData(zk, reg.path));
    }
    List<RegistrationImpl> again = new ArrayList<>();
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
          case CREATE -> ZkOps.create(zk, reg.path, reg.data, CreateMode.EPHEMERAL);
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
          again.add(w.reg());
          continue;
        }
        done(w.reg(), w.action(), sid, w.oldOwner(), began);
      }
    } catch (KeeperException e) {
      if (ZkOps.isConnectionProblem(e)) {
        return null;
      }
      return regs; // something unexpected: take the careful path for all
    }
    return again;
  }

  /** What {@link #createAll} left undone. */
  record Batch(List<RegistrationImpl> again, List<RegistrationImpl> retry) {}

  /**
   * {@link #ensure} with {@code createFirst} for many new registrations at once: every watch
   * and create is sent before the first answer is awaited, so a thousand registrations cost
   * two thousand requests but about one round trip. Parents found missing are created once
   * per directory, pipelined too, and those creates sent again.
   *
   * @return in {@code again}, the registrations whose node exists or could not be made for a
   *     reason other than the connection, for the one-by-one path to read, decide or report;
   *     in {@code retry}, those a connection problem left undone
   */
  Batch createAll(ZooKeeper zk, long sid, List<RegistrationImpl> regs) {
    noteSession(sid);
    long began = System.nanoTime();
    long deadline = began + core.config().operationTimeout().toNanos();
    List<RegistrationImpl> again = new ArrayList<>();
    List<RegistrationImpl> retry = new ArrayList<>();
    List<RegistrationImpl> todo = regs;
    for (int round = 0; round < 2 && !todo.isEmpty(); round++) {
      List<CompletableFuture<Void>> watches = new ArrayList<>(todo.size());
      List<CompletableFuture<String>> creates = new ArrayList<>(todo.size());
      for (RegistrationImpl reg : todo) {
        creates.add(ZkOps.create(zk, reg.path, reg.data, CreateMode.EPHEMERAL));
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
      try {
        createDirectories(zk, orphans, deadline);
      } catch (KeeperException e) {
        (ZkOps.isConnectionProblem(e) ? retry : again).addAll(orphans);
        break;
      }
      todo = orphans;
    }
    return new Batch(again, retry);
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

  /** Creates every directory above these registrations' nodes, pipelined, as containers. */
  private static void createDirectories(ZooKeeper zk, List<RegistrationImpl> regs, long deadline)
      throws KeeperException {
    Set<String> dirs = new LinkedHashSet<>();
    for (RegistrationImpl reg : regs) {
      for (int i = reg.path.indexOf('/', 1); i > 0; i = reg.path.indexOf('/', i + 1)) {
        dirs.add(reg.path.substring(0, i));
      }
    }
    // One session's requests are handled in order, so a parent's create runs before its child's.
    List<CompletableFuture<String>> creates = new ArrayList<>(dirs.size());
    for (String dir : dirs) {
      creates.add(ZkOps.create(zk, dir, new byte[0], CreateMode.CONTAINER));
    }
    for (CompletableFuture<String> c : creates) {
      try {
        ZkOps.await(c, remaining(deadline));
      } catch (KeeperException.NodeExistsException e) {
        // made by someone else, or earlier: fine
      }
    }
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
  private static List<Op> replace(RegistrationImpl reg, int version) {
    return List.of(
        Op.setData(reg.path.substring(0, reg.path.lastIndexOf('/')), new byte[0], -1),
        Op.delete(reg.path, version),
        Op.create(reg.path, reg.data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL));
  }

  /** Adds the node's persistent watch once per session, for self-healing. */
  private static CompletableFuture<Void> watch(ZooKeeper zk, RegistrationImpl reg, long sid) {
    if (reg.watchSession == sid) {
      return CompletableFuture.completedFuture(null);
    }
    return ZkOps.addWatch(zk, reg.path, reg, false).thenRun(() -> reg.watchSession = sid);
  }

  private static void createParents(ZooKeeper zk, String path, Duration timeout) throws KeeperException {
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      try {
        ZkOps.await(ZkOps.create(zk, path.substring(0, i), new byte[0], CreateMode.CONTAINER), timeout);
      } catch (KeeperException.NodeExistsException e) {
        // made by someone else, or earlier: fine
      }
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }
}
