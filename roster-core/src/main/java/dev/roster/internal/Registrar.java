package dev.roster.internal;

import dev.roster.Registration;
import dev.roster.RegistrationConflictException;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every registration of one {@code Roster} in ZooKeeper.
 *
 * <p>All state changes run on one serial context, so a reconnect, a self-heal and an update
 * of the same registration never interleave. The one operation, {@link #ensure}, makes the
 * node match the registration and is safe to run at any time:
 *
 * <ul>
 *   <li>no node: create it (ephemeral, parents as containers);
 *   <li>node of the current session: leave it, or set the data if it differs — so a
 *       reconnect where the session survived deletes and recreates nothing (no flap);
 *   <li>node of one of this Roster's earlier sessions (the server has not yet expired it,
 *       as after a quorum loss or Curator's simulated expiry): delete at the seen version and
 *       create, in one transaction, so watchers can tell it was replaced, not removed;
 *   <li>node of any other session: a conflict, reported and never stolen.
 * </ul>
 *
 * <p>{@code ensure} runs when a registration is made or updated, after every (re)connect,
 * and when the node's persistent watch says it was deleted or changed from outside.
 */
final class Registrar {
  private static final Logger log = LoggerFactory.getLogger(Registrar.class);

  private final RosterCore core;
  private final SerialExecutor ctx;
  /** Open registrations by path; written on the context, read anywhere. */
  private final Map<String, RegistrationImpl> byPath = new ConcurrentHashMap<>();
  /** Every session this Roster has had, so it can recognise its own leftover nodes. */
  private final Set<Long> ourSessions = ConcurrentHashMap.newKeySet();
  /** The session on which every registration was last made right. Context only. */
  private long reconciledSession;
  /** A retry of {@link #reconcile} is scheduled. Context only. */
  private boolean retryScheduled;
  private int retryFailures;
  /** Paths deregistered while ZooKeeper was unreachable; deleted after reconnecting. Context only. */
  private final Set<String> pendingDeletes = new HashSet<>();

  Registrar(RosterCore core, SerialExecutor ctx) {
    this.core = core;
    this.ctx = ctx;
  }

  /** Outcome of one {@link #ensure}. */
  private record Outcome(Kind kind, long owner, KeeperException error) {
    enum Kind { OK, CONFLICT, RETRY, FAILED }

    static final Outcome OK = new Outcome(Kind.OK, 0, null);

    static Outcome conflict(long owner) {
      return new Outcome(Kind.CONFLICT, owner, null);
    }

    static Outcome retry(KeeperException e) {
      return new Outcome(Kind.RETRY, 0, e);
    }

    static Outcome failed(KeeperException e) {
      return new Outcome(Kind.FAILED, 0, e);
    }
  }

  void noteSession(long sessionId) {
    if (sessionId != 0) {
      ourSessions.add(sessionId);
    }
  }

  Set<Long> sessions() {
    return Set.copyOf(ourSessions);
  }

  int size() {
    return byPath.size();
  }

  Registration register(ServiceInstance instance) {
    instance.validate();
    byte[] data = core.encode(instance);
    String path = core.instancePath(instance.service(), instance.id());
    RegistrationImpl reg = new RegistrationImpl(instance, data, path);
    if (byPath.putIfAbsent(path, reg) != null) {
      throw new IllegalStateException("instance " + instance.service() + "/" + instance.id()
          + " is already registered by this Roster; use Registration.update(...) to change it");
    }
    long deadline = System.nanoTime() + core.config().operationTimeout().toNanos();
    Outcome outcome;
    try {
      outcome = runUntil(deadline, () -> {
        pendingDeletes.remove(path);
        return ensure(reg);
      });
    } catch (RuntimeException e) {
      abandon(reg);
      throw e;
    }
    switch (outcome.kind()) {
      case OK:
        return reg;
      case CONFLICT:
        abandon(reg);
        reportConflict(reg, outcome.owner());
        throw new RegistrationConflictException(path, outcome.owner());
      default:
        abandon(reg);
        throw new RosterException("could not register " + path + " at ZooKeeper "
            + core.config().connectString() + ": " + describe(outcome.error()), outcome.error());
    }
  }

  /**
   * Runs {@code step} on the context until it is not RETRY or the deadline passes, waiting
   * for the connection between tries.
   */
  private Outcome runUntil(long deadline, java.util.function.Supplier<Outcome> step) {
    Outcome last = null;
    while (true) {
      if (core.isClosed()) {
        throw new IllegalStateException("this Roster is closed");
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new RosterException("ZooKeeper at " + core.config().connectString()
            + " did not answer within " + core.config().operationTimeout().toMillis() + " ms"
            + (last != null && last.error() != null ? " (" + describe(last.error()) + ")" : ""));
      }
      if (!core.awaitConnected(Duration.ofNanos(remaining))) {
        continue;
      }
      CompletableFuture<Outcome> f = new CompletableFuture<>();
      ctx.execute(() -> {
        try {
          f.complete(step.get());
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      });
      try {
        last = f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RosterException("interrupted while waiting for ZooKeeper", e);
      } catch (TimeoutException e) {
        continue;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new RosterException("registration failed", e.getCause());
      }
      if (last.kind() != Outcome.Kind.RETRY) {
        return last;
      }
      // A connection problem: wait a moment for the reconnect before trying again.
      try {
        Thread.sleep(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RosterException("interrupted while waiting for ZooKeeper", e);
      }
    }
  }

  private static String describe(KeeperException e) {
    return e == null ? "unknown error" : e.code().name().toLowerCase().replace('_', ' ')
        + (e.getPath() != null ? " for " + e.getPath() : "");
  }

  /** Forgets a registration whose register() failed, deleting the node if it was made after all. */
  private void abandon(RegistrationImpl reg) {
    reg.open = false;
    byPath.remove(reg.path, reg);
    ctx.execute(() -> deregister(reg));
  }

  /** Makes the node match the registration; see the class comment. Context only. */
  private Outcome ensure(RegistrationImpl reg) {
    if (!reg.open) {
      return Outcome.OK;
    }
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null || !core.isConnected()) {
      return Outcome.retry(KeeperException.create(Code.CONNECTIONLOSS, reg.path));
    }
    long sid = zk.getSessionId();
    noteSession(sid);
    Duration timeout = core.config().operationTimeout();
    try {
      watch(zk, reg);
      for (int attempt = 0; attempt < 8; attempt++) {
        ZkOps.NodeData node = ZkOps.await(ZkOps.getData(zk, reg.path), timeout);
        if (node == null) {
          try {
            ZkOps.await(ZkOps.create(zk, reg.path, reg.data, CreateMode.EPHEMERAL), timeout);
          } catch (KeeperException.NoNodeException e) {
            createParents(zk, reg.path, timeout);
            continue;
          } catch (KeeperException.NodeExistsException e) {
            continue;
          }
          boolean recreated = reg.everCreated;
          reg.everCreated = true;
          reg.session = sid;
          if (reconciledSession == 0) {
            reconciledSession = sid;
          }
          if (recreated) {
            log.info("re-created {} on session 0x{}", reg.path, Long.toHexString(sid));
          }
          core.events().registered(reg.instance, recreated);
          return Outcome.OK;
        }
        long owner = node.stat().getEphemeralOwner();
        if (owner == sid) {
          if (!Arrays.equals(node.data(), reg.data)) {
            try {
              reg.writtenZxid = ZkOps.await(ZkOps.setData(zk, reg.path, reg.data, node.stat().getVersion()), timeout)
                  .getMzxid();
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
              continue;
            }
          }
          reg.everCreated = true;
          reg.session = sid;
          return Outcome.OK;
        }
        if (owner != 0 && ourSessions.contains(owner)) {
          List<Op> ops = List.of(
              Op.delete(reg.path, node.stat().getVersion()),
              Op.create(reg.path, reg.data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL));
          try {
            ZkOps.await(ZkOps.multi(zk, ops), timeout);
          } catch (KeeperException.BadVersionException | KeeperException.NoNodeException
              | KeeperException.NodeExistsException e) {
            continue;
          }
          reg.everCreated = true;
          reg.session = sid;
          log.info("replaced {} left by our earlier session 0x{} on session 0x{}", reg.path,
              Long.toHexString(owner), Long.toHexString(sid));
          core.events().staleNodeReplaced(reg.instance, owner);
          return Outcome.OK;
        }
        return Outcome.conflict(owner);
      }
      return Outcome.retry(KeeperException.create(Code.OPERATIONTIMEOUT, reg.path));
    } catch (KeeperException e) {
      return ZkOps.isConnectionProblem(e) ? Outcome.retry(e) : Outcome.failed(e);
    }
  }

  /** Adds the node's persistent watch once per session, for self-healing. */
  private void watch(ZooKeeper zk, RegistrationImpl reg) throws KeeperException {
    long sid = zk.getSessionId();
    if (reg.watchSession != sid) {
      ZkOps.await(ZkOps.addWatch(zk, reg.path, reg, false), core.config().operationTimeout());
      reg.watchSession = sid;
    }
  }

  private static void createParents(ZooKeeper zk, String path, Duration timeout) throws KeeperException {
    List<String> parents = new ArrayList<>();
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      parents.add(path.substring(0, i));
    }
    for (String parent : parents) {
      try {
        ZkOps.await(ZkOps.create(zk, parent, new byte[0], CreateMode.CONTAINER), timeout);
      } catch (KeeperException.NodeExistsException e) {
        // made by someone else, or earlier: fine
      }
    }
  }

  /**
   * Called on the context after every connect and reconnect. After a new session (not the
   * first) the re-registration waits a random moment first, so that a thousand clients whose
   * sessions expired together (a partition heals, a quorum returns) do not all write at once.
   */
  void onConnected() {
    ZooKeeper zk = core.zooKeeperOrNull();
    long sid = zk == null ? 0 : zk.getSessionId();
    boolean newSession = sid != 0 && reconciledSession != 0 && sid != reconciledSession;
    if (newSession && !byPath.isEmpty()) {
      long maxJitter = Math.min(1000, core.config().sessionTimeout().toMillis() / 4);
      long jitter = java.util.concurrent.ThreadLocalRandom.current().nextLong(maxJitter + 1);
      core.schedule(Duration.ofMillis(jitter), () -> ctx.execute(() -> reconcile(sid)));
      return;
    }
    reconcile(sid);
  }

  /**
   * Tries {@link #reconcile} again soon, with exponential, jittered back-off. A request can
   * fail with a connection loss that no reconnect event follows (a reset that the client
   * recovers from at once), so work left undone must not wait for the next event.
   */
  private void scheduleRetry() {
    if (retryScheduled) {
      return;
    }
    retryScheduled = true;
    long base = 250L << Math.min(retryFailures++, 6);
    long delay = base / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(base);
    core.schedule(Duration.ofMillis(delay), () -> ctx.execute(() -> {
      retryScheduled = false;
      ZooKeeper zk = core.zooKeeperOrNull();
      if (zk != null && core.isConnected()) {
        reconcile(zk.getSessionId());
      }
    }));
  }

  /** Makes every registration's node right, all reads and then all writes pipelined. */
  private void reconcile(long expectedSession) {
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null || !core.isConnected() || zk.getSessionId() != expectedSession && expectedSession != 0) {
      return; // the connection changed again; its own event runs this again
    }
    long sid = zk.getSessionId();
    noteSession(sid);
    List<RegistrationImpl> regs = new ArrayList<>(byPath.values());
    List<RegistrationImpl> again = pipelined(zk, sid, regs);
    if (again == null) {
      scheduleRetry(); // connection problem
      return;
    }
    int failed = 0;
    for (RegistrationImpl reg : again) {
      Outcome outcome = ensure(reg);
      switch (outcome.kind()) {
        case CONFLICT:
          reportConflict(reg, outcome.owner());
          break;
        case RETRY:
          scheduleRetry();
          return;
        case FAILED:
          log.warn("could not restore {}: {}", reg.path, describe(outcome.error()));
          failed++;
          core.scheduleReconcile();
          break;
        default:
          break;
      }
    }
    reconciledSession = sid;
    for (String path : List.copyOf(pendingDeletes)) {
      if (byPath.containsKey(path)) {
        pendingDeletes.remove(path);
        continue;
      }
      if (deleteIfOurs(path)) {
        pendingDeletes.remove(path);
      } else {
        scheduleRetry();
        return;
      }
    }
    if (failed == 0) {
      core.reconcileSucceeded();
      retryFailures = 0;
    }
  }

  /** What one pipelined write did, applied on the context once everything has answered. */
  private record Written(RegistrationImpl reg, String action, long oldOwner, @org.jspecify.annotations.Nullable Throwable error) {}

  /**
   * The fast path of {@link #ensure} for many registrations at once: every watch and read is
   * sent before the first answer is awaited, then every write. Returns the registrations that
   * need the one-by-one path (a race, a missing parent), or null on a connection problem.
   */
  private @org.jspecify.annotations.Nullable List<RegistrationImpl> pipelined(ZooKeeper zk, long sid, List<RegistrationImpl> regs) {
    Duration timeout = core.config().operationTimeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    List<CompletableFuture<Void>> watches = new ArrayList<>();
    List<CompletableFuture<ZkOps.NodeData>> reads = new ArrayList<>(regs.size());
    for (RegistrationImpl reg : regs) {
      if (reg.watchSession != sid) {
        watches.add(ZkOps.addWatch(zk, reg.path, reg, false).thenRun(() -> reg.watchSession = sid));
      }
      reads.add(ZkOps.getData(zk, reg.path));
    }
    List<RegistrationImpl> again = new ArrayList<>();
    List<CompletableFuture<Written>> writes = new ArrayList<>();
    try {
      for (CompletableFuture<Void> w : watches) {
        ZkOps.await(w, remaining(deadline));
      }
      for (int i = 0; i < regs.size(); i++) {
        RegistrationImpl reg = regs.get(i);
        ZkOps.NodeData node = ZkOps.await(reads.get(i), remaining(deadline));
        if (!reg.open) {
          continue;
        }
        byte[] data = reg.data;
        if (node == null) {
          writes.add(ZkOps.create(zk, reg.path, data, CreateMode.EPHEMERAL)
              .handle((name, err) -> new Written(reg, "create", 0, err)));
          continue;
        }
        long owner = node.stat().getEphemeralOwner();
        if (owner == sid) {
          if (Arrays.equals(node.data(), data)) {
            writes.add(CompletableFuture.completedFuture(new Written(reg, "confirm", 0, null)));
          } else {
            writes.add(ZkOps.setData(zk, reg.path, data, node.stat().getVersion())
                .handle((stat, err) -> {
                  if (stat != null) {
                    reg.writtenZxid = stat.getMzxid();
                  }
                  return new Written(reg, "confirm", 0, err);
                }));
          }
        } else if (owner != 0 && ourSessions.contains(owner)) {
          List<Op> ops = List.of(
              Op.delete(reg.path, node.stat().getVersion()),
              Op.create(reg.path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL));
          writes.add(ZkOps.multi(zk, ops).handle((r, err) -> new Written(reg, "replace", owner, err)));
        } else {
          again.add(reg); // a conflict, reported by the one-by-one path
        }
      }
      for (CompletableFuture<Written> f : writes) {
        Written w = ZkOps.await(f, remaining(deadline));
        if (w.error() != null) {
          Throwable cause = w.error() instanceof java.util.concurrent.CompletionException ce ? ce.getCause() : w.error();
          if (cause instanceof KeeperException ke && ZkOps.isConnectionProblem(ke)) {
            return null;
          }
          again.add(w.reg());
          continue;
        }
        RegistrationImpl reg = w.reg();
        boolean recreated = reg.everCreated;
        reg.everCreated = true;
        reg.session = sid;
        if (w.action().equals("create")) {
          core.events().registered(reg.instance, recreated);
        } else if (w.action().equals("replace")) {
          log.info("replaced {} left by our earlier session 0x{} on session 0x{}", reg.path,
              Long.toHexString(w.oldOwner()), Long.toHexString(sid));
          core.events().staleNodeReplaced(reg.instance, w.oldOwner());
        }
      }
    } catch (KeeperException e) {
      if (ZkOps.isConnectionProblem(e)) {
        return null;
      }
      return regs; // something unexpected: take the careful path for all
    }
    return again;
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }

  /** Reports a conflict once per owner; register() and a reconnect may both find it. */
  private void reportConflict(RegistrationImpl reg, long owner) {
    synchronized (reg) {
      if (reg.conflictOwner == owner) {
        return;
      }
      reg.conflictOwner = owner;
    }
    if (reg.open) {
      log.warn("{} is owned by another live session 0x{}; will register when it is gone",
          reg.path, Long.toHexString(owner));
    }
    core.events().registrationConflict(reg.instance, owner);
  }

  /** Deletes the node if one of our sessions owns it; false on a connection problem. */
  private boolean deleteIfOurs(String path) {
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null || !core.isConnected()) {
      return false;
    }
    Duration timeout = core.config().operationTimeout();
    try {
      for (int attempt = 0; attempt < 4; attempt++) {
        ZkOps.NodeData node = ZkOps.await(ZkOps.getData(zk, path), timeout);
        if (node == null || !ourSessions.contains(node.stat().getEphemeralOwner())) {
          return true;
        }
        try {
          ZkOps.await(ZkOps.delete(zk, path, node.stat().getVersion()), timeout);
          return true;
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
          // changed under us; look again
        }
      }
      return true;
    } catch (KeeperException e) {
      if (ZkOps.isConnectionProblem(e)) {
        return false;
      }
      log.warn("could not delete {}: {}", path, describe(e));
      return true;
    }
  }

  /** Stops maintaining a registration and deletes its node. Context only. */
  private void deregister(RegistrationImpl reg) {
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk != null && reg.watchSession == zk.getSessionId()) {
      ZkOps.removeWatch(zk, reg.path, reg);
    }
    if (byPath.containsKey(reg.path)) {
      return; // registered again meanwhile; the new registration owns the node
    }
    if (!reg.everCreated) {
      // register() may have given up while the create was in flight; check anyway
      if (!deleteIfOurs(reg.path)) {
        pendingDeletes.add(reg.path);
        scheduleRetry();
      }
      return;
    }
    if (!deleteIfOurs(reg.path)) {
      pendingDeletes.add(reg.path);
      scheduleRetry();
    }
  }

  /** Deregisters everything; used by Roster.close() before the session ends. */
  void closeAll(Duration timeout) {
    List<RegistrationImpl> all = new ArrayList<>(byPath.values());
    for (RegistrationImpl reg : all) {
      reg.open = false;
      byPath.remove(reg.path, reg);
    }
    // Ending the session removes every ephemeral node at once; nothing to delete one by one.
    pendingDeletes.clear();
  }

  /** One registration; its own persistent watch heals the node when changed from outside. */
  final class RegistrationImpl implements Registration, Watcher {
    final String path;
    volatile ServiceInstance instance;
    /** Bytes to keep in the node; context only after construction. */
    byte[] data;
    volatile boolean open = true;
    volatile boolean everCreated;
    /** The session on which the node was last created or confirmed. */
    volatile long session;
    long watchSession;
    long conflictOwner; // guarded by this
    /** The zxid of our own latest setData, so its watch event is not checked again. */
    volatile long writtenZxid;

    RegistrationImpl(ServiceInstance instance, byte[] data, String path) {
      this.instance = instance;
      this.data = data;
      this.path = path;
    }

    @Override
    public ServiceInstance instance() {
      return instance;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public boolean isRegistered() {
      return open && everCreated && session != 0 && session == core.sessionId() && core.sessionTrusted();
    }

    @Override
    public void update(ServiceInstance next) {
      if (!open) {
        throw new IllegalStateException("registration " + path + " is closed");
      }
      ServiceInstance current = instance;
      if (!next.service().equals(current.service()) || !next.id().equals(current.id())) {
        throw new IllegalArgumentException("instance " + Validation.quote(next.service() + "/" + next.id())
            + ": must keep the service and id of the registration (" + current.service() + "/"
            + current.id() + "); register a new instance instead");
      }
      next.validate();
      byte[] bytes = core.encode(next);
      long deadline = System.nanoTime() + core.config().operationTimeout().toNanos();
      Outcome outcome = runUntil(deadline, () -> {
        instance = next;
        data = bytes;
        return ensure(this);
      });
      if (outcome.kind() == Outcome.Kind.CONFLICT) {
        throw new RegistrationConflictException(path, outcome.owner());
      }
      if (outcome.kind() != Outcome.Kind.OK) {
        throw new RosterException("could not update " + path + ": " + describe(outcome.error()), outcome.error());
      }
    }

    @Override
    public void drain() {
      update(instance.toBuilder().status(ServiceInstance.Status.DRAINING).build());
    }

    @Override
    public void close(Duration grace) {
      Grace.check(grace);
      if (!open || core.isClosed()) {
        close(); // nothing to drain: the node is gone with the session, or already deleted
        return;
      }
      try {
        drain();
      } catch (RuntimeException e) {
        // Still leave: staying registered as UP because ZooKeeper is slow helps nobody.
        log.warn("could not mark {} draining ({}); deregistering after the grace anyway", path, e.getMessage());
      }
      if (open && !core.isClosed()) {
        Grace.waitOut(grace);
      }
      close();
    }

    @Override
    public void close() {
      if (!open) {
        return;
      }
      open = false;
      byPath.remove(path, this);
      if (core.isClosed()) {
        return; // the session has ended, and the node with it
      }
      CompletableFuture<Void> done = new CompletableFuture<>();
      ctx.execute(() -> {
        try {
          deregister(this);
        } finally {
          done.complete(null);
        }
      });
      try {
        done.get(core.config().operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.debug("deregistering {} continues in the background", path);
      }
    }

    /** The node's persistent watch: something changed it from outside, or we did. */
    @Override
    public void process(WatchedEvent event) {
      if (!open || event.getType() == Event.EventType.None) {
        return;
      }
      if (event.getType() == Event.EventType.NodeDeleted
          || event.getType() == Event.EventType.NodeDataChanged) {
        ctx.execute(() -> {
          if (!open || !core.isConnected()) {
            return;
          }
          // Checked here, not on arrival: ZooKeeper sends a write's watch event before the
          // write's own reply, and the context runs this only after that write has returned.
          if (event.getType() == Event.EventType.NodeDataChanged
              && event.getZxid() > 0 && event.getZxid() <= writtenZxid) {
            return; // our own write: the node already holds our data
          }
          Outcome outcome = ensure(this);
          if (outcome.kind() == Outcome.Kind.CONFLICT) {
            reportConflict(this, outcome.owner());
          } else if (outcome.kind() == Outcome.Kind.RETRY) {
            scheduleRetry();
          } else if (outcome.kind() == Outcome.Kind.OK) {
            synchronized (this) {
              conflictOwner = 0;
            }
          }
        });
      }
    }

    @Override
    public String toString() {
      return "Registration[" + path + (open ? "" : ", closed") + "]";
    }
  }
}
