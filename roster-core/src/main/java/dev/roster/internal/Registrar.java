package dev.roster.internal;

import dev.roster.Registration;
import dev.roster.RegistrationBatchException;
import dev.roster.RegistrationConflictException;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every registration of one {@code Roster} in ZooKeeper: the open registrations, the
 * sessions this Roster has had, the retries after failures, and the deletions still owed.
 *
 * <p>All state changes run on one serial context, so a reconnect, a self-heal and an update
 * of the same registration never interleave. What a node needs is decided by {@link
 * NodeAction} and done by {@link NodeReconciler}: when a registration is made or updated,
 * after every (re)connect, and when the node's persistent watch says it was deleted or
 * changed from outside.
 */
final class Registrar {
  private static final Logger log = LoggerFactory.getLogger(Registrar.class);

  final RosterCore core;
  final SerialExecutor ctx;
  final NodeReconciler reconciler;
  /** Open registrations by path; written on the context and by register/close, read anywhere. */
  private final Map<String, RegistrationImpl> byPath = new ConcurrentHashMap<>();
  /** Every session this Roster has had, so it can recognise its own leftover nodes. */
  private final Set<Long> ourSessions = ConcurrentHashMap.newKeySet();
  private final Backoff retryBackoff = new Backoff(Duration.ofMillis(250), 6);
  /** The session on which every registration was last made right. Context only. */
  private long reconciledSession;
  /** A retry of {@link #reconcile} is scheduled. Context only. */
  private boolean retryScheduled;
  /** Paths deregistered while ZooKeeper was unreachable; deleted after reconnecting. Context only. */
  private final Set<String> pendingDeletes = new HashSet<>();

  Registrar(RosterCore core, SerialExecutor ctx) {
    this.core = core;
    this.ctx = ctx;
    this.reconciler = new NodeReconciler(core, ourSessions, core.ownership());
  }

  void noteSession(long sessionId) {
    if (sessionId != 0) {
      ourSessions.add(sessionId);
    }
  }

  Registration register(ServiceInstance instance) {
    long started = System.nanoTime();
    instance.validate();
    byte[] data = core.encode(instance);
    String path = core.instancePath(instance.service(), instance.id());
    RegistrationImpl reg = new RegistrationImpl(this, instance, data, path, started);
    if (byPath.putIfAbsent(path, reg) != null) {
      throw new IllegalStateException("instance " + instance.service() + "/" + instance.id()
          + " is already registered by this Roster; use Registration.update(...) to change it");
    }
    NodeReconciler.Outcome outcome;
    try {
      outcome = runUntilDone("register " + path, () -> {
        pendingDeletes.remove(path);
        return reconciler.ensure(reg, true);
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
      case REFUSED:
        abandon(reg);
        reportRefusal(reg, outcome.refusal());
        throw outcome.refusal();
      default:
        abandon(reg);
        throw new RosterException("could not register " + path + " at ZooKeeper "
            + core.config().connectString() + ": " + describe(outcome.error()), outcome.error());
    }
  }

  /**
   * Registers many instances at once, pipelined; see {@code Roster.registerAll}. Everything is
   * checked, and every path claimed, before anything is sent; then each try sends every
   * pending create before awaiting the first answer, until all are made or failed, or the
   * operation timeout passes.
   */
  List<Registration> registerAll(List<ServiceInstance> instances) {
    long started = System.nanoTime();
    List<RegistrationImpl> regs = new ArrayList<>(instances.size());
    Set<String> paths = new HashSet<>();
    for (int i = 0; i < instances.size(); i++) {
      int at = i;
      ServiceInstance instance = Objects.requireNonNull(instances.get(i), () -> "instance " + at + " of the batch");
      byte[] data;
      try {
        instance.validate();
        data = core.encode(instance);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("instance " + i + " of the batch: " + e.getMessage(), e);
      }
      String path = core.instancePath(instance.service(), instance.id());
      if (!paths.add(path)) {
        throw new IllegalArgumentException("instance " + i + " of the batch: " + Validation.quote(instance.service()
            + "/" + instance.id()) + " appears more than once; each instance is registered once");
      }
      regs.add(new RegistrationImpl(this, instance, data, path, started));
    }
    for (int i = 0; i < regs.size(); i++) {
      RegistrationImpl reg = regs.get(i);
      if (byPath.putIfAbsent(reg.path, reg) != null) {
        for (RegistrationImpl claimed : regs.subList(0, i)) {
          byPath.remove(claimed.path, claimed);
        }
        throw new IllegalStateException("instance " + reg.instance.service() + "/" + reg.instance.id()
            + " is already registered by this Roster; use Registration.update(...) to change it (nothing in"
            + " the batch was registered)");
      }
    }
    Map<RegistrationImpl, RosterException> failed = new HashMap<>();
    List<RegistrationImpl> pending = regs;
    Duration timeout = core.config().operationTimeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!pending.isEmpty()) {
      if (core.isClosed()) {
        regs.forEach(this::abandon);
        throw new IllegalStateException("this Roster is closed");
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        break;
      }
      if (!core.awaitConnected(Duration.ofNanos(remaining))) {
        continue;
      }
      List<RegistrationImpl> batch = pending;
      try {
        pending = ContextCall.run(ctx, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
            "register " + batch.size() + " instances", () -> registerStep(batch, failed));
      } catch (ContextCall.TimedOut e) {
        continue; // the deadline check above says so
      }
      if (!pending.isEmpty()) {
        pause(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
      }
    }
    for (RegistrationImpl reg : pending) {
      failed.put(reg, new RosterException("could not register " + reg.path + ": ZooKeeper at "
          + core.config().connectString() + " did not answer within " + timeout.toMillis() + " ms"));
    }
    if (failed.isEmpty()) {
      return List.copyOf(regs);
    }
    List<Registration> made = new ArrayList<>();
    Map<ServiceInstance, RosterException> failures = new LinkedHashMap<>();
    for (RegistrationImpl reg : regs) {
      RosterException why = failed.get(reg);
      if (why == null) {
        made.add(reg);
      } else {
        abandon(reg);
        failures.put(reg.instance, why);
      }
    }
    throw new RegistrationBatchException(made, failures);
  }

  /**
   * One try of {@link #registerAll} on the context: pipelined creates, then the one-by-one
   * path for what they could not settle. Context only.
   *
   * @return the registrations a connection problem left undone
   */
  private List<RegistrationImpl> registerStep(List<RegistrationImpl> batch, Map<RegistrationImpl, RosterException> failed) {
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null || !core.isConnected()) {
      return batch;
    }
    for (RegistrationImpl reg : batch) {
      pendingDeletes.remove(reg.path);
    }
    NodeReconciler.Batch done = reconciler.createAll(zk, zk.getSessionId(), batch);
    List<RegistrationImpl> retry = new ArrayList<>(done.retry());
    done.refused().forEach((reg, why) -> {
      reportRefusal(reg, why);
      failed.put(reg, why);
    });
    for (RegistrationImpl reg : done.again()) {
      NodeReconciler.Outcome outcome = reconciler.ensure(reg, false);
      switch (outcome.kind()) {
        case OK -> { }
        case CONFLICT -> {
          reportConflict(reg, outcome.owner());
          failed.put(reg, new RegistrationConflictException(reg.path, outcome.owner()));
        }
        case RETRY -> retry.add(reg);
        case REFUSED -> {
          reportRefusal(reg, outcome.refusal());
          failed.put(reg, outcome.refusal());
        }
        case FAILED -> failed.put(reg, new RosterException("could not register " + reg.path + " at ZooKeeper "
            + core.config().connectString() + ": " + describe(outcome.error()), outcome.error()));
      }
    }
    return retry;
  }

  /**
   * Runs {@code step} on the context until it is not RETRY or the operation timeout passes,
   * waiting for the connection between tries. For the blocking calls of users.
   */
  NodeReconciler.Outcome runUntilDone(String what, Supplier<NodeReconciler.Outcome> step) {
    Duration timeout = core.config().operationTimeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    NodeReconciler.Outcome last = null;
    while (true) {
      if (core.isClosed()) {
        throw new IllegalStateException("this Roster is closed");
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new RosterException("ZooKeeper at " + core.config().connectString()
            + " did not answer within " + timeout.toMillis() + " ms"
            + (last != null && last.error() != null ? " (" + describe(last.error()) + ")" : ""));
      }
      if (!core.awaitConnected(Duration.ofNanos(remaining))) {
        continue;
      }
      try {
        last = ContextCall.run(ctx, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), what, step);
      } catch (ContextCall.TimedOut e) {
        continue; // the deadline check above says so
      }
      if (last.kind() != NodeReconciler.Outcome.Kind.RETRY) {
        return last;
      }
      // A connection problem: wait a moment for the reconnect before trying again.
      pause(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RosterException("interrupted while waiting for ZooKeeper", e);
    }
  }

  static String describe(@Nullable KeeperException e) {
    return e == null ? "unknown error" : e.code().name().toLowerCase().replace('_', ' ')
        + (e.getPath() != null ? " for " + e.getPath() : "");
  }

  /** Forgets a registration whose register() failed, deleting the node if it was made after all. */
  private void abandon(RegistrationImpl reg) {
    reg.open = false;
    byPath.remove(reg.path, reg);
    ctx.execute(() -> deregister(reg));
  }

  /** Removes a closed registration from the open ones. */
  void forget(RegistrationImpl reg) {
    byPath.remove(reg.path, reg);
  }

  /**
   * Called on the context after every connect and reconnect. After a new session (not the
   * first) the re-registration waits a random moment first, so that a thousand clients whose
   * sessions expired together (a partition heals, a quorum returns) do not all write at once.
   */
  void onConnected() {
    long now = System.nanoTime();
    for (RegistrationImpl reg : byPath.values()) {
      if (reg.lostSinceNanos == 0) {
        reg.lostSinceNanos = now; // a node found missing now was gone since at least then
      }
    }
    ZooKeeper zk = core.zooKeeperOrNull();
    long sid = zk == null ? 0 : zk.getSessionId();
    boolean newSession = sid != 0 && reconciledSession != 0 && sid != reconciledSession;
    if (newSession && !byPath.isEmpty()) {
      long maxJitter = Math.min(1000, core.config().sessionTimeout().toMillis() / 4);
      long jitter = ThreadLocalRandom.current().nextLong(maxJitter + 1);
      core.timer().schedule(Duration.ofMillis(jitter), () -> ctx.execute(() -> reconcile(sid)));
      return;
    }
    reconcile(sid);
  }

  /**
   * Tries {@link #reconcile} again soon, with back-off. A request can fail with a connection
   * loss that no reconnect event follows (a reset that the client recovers from at once), so
   * work left undone must not wait for the next event. Context only.
   */
  void scheduleRetry() {
    if (retryScheduled) {
      return;
    }
    retryScheduled = true;
    core.timer().schedule(retryBackoff.next(), () -> ctx.execute(() -> {
      retryScheduled = false;
      ZooKeeper zk = core.zooKeeperOrNull();
      if (zk != null && core.isConnected()) {
        reconcile(zk.getSessionId());
      }
    }));
  }

  /** Makes every registration's node right, all reads and then all writes pipelined. Context only. */
  private void reconcile(long expectedSession) {
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null || !core.isConnected() || zk.getSessionId() != expectedSession && expectedSession != 0) {
      return; // the connection changed again; its own event runs this again
    }
    long sid = zk.getSessionId();
    NodeReconciler.Pass pass = reconciler.pipelined(zk, sid, new ArrayList<>(byPath.values()));
    if (pass == null) {
      scheduleRetry(); // connection problem
      return;
    }
    int failed = 0;
    for (Map.Entry<RegistrationImpl, RosterException> refused : pass.refused().entrySet()) {
      // Not re-created, as for a conflict; retried with back-off so that an operator's fix heals it.
      reportRefusal(refused.getKey(), refused.getValue());
      failed++;
      core.scheduleReconcile();
    }
    for (RegistrationImpl reg : pass.again()) {
      NodeReconciler.Outcome outcome = reconciler.ensure(reg, false);
      switch (outcome.kind()) {
        case CONFLICT -> reportConflict(reg, outcome.owner());
        case REFUSED -> {
          reportRefusal(reg, outcome.refusal());
          failed++;
          core.scheduleReconcile();
        }
        case RETRY -> {
          scheduleRetry();
          return;
        }
        case FAILED -> {
          log.warn("could not restore {}: {}", reg.path, describe(outcome.error()));
          failed++;
          core.scheduleReconcile();
        }
        default -> { }
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
      retryBackoff.reset();
    }
  }

  /** Reports a conflict once per owner; register() and a reconnect may both find it. */
  void reportConflict(RegistrationImpl reg, long owner) {
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

  /**
   * Reports, once per registration and reason, that ZooKeeper's ACLs keep it from being made:
   * a service node not ours, NoAuth, InvalidACL.
   */
  void reportRefusal(RegistrationImpl reg, RosterException why) {
    synchronized (reg) {
      if (why.getMessage().equals(reg.refusal)) {
        return;
      }
      reg.refusal = why.getMessage();
    }
    if (reg.open) {
      log.warn("{}", why.getMessage());
    }
    core.events().registrationRefused(reg.instance, why.getMessage());
  }

  /** Deletes the node if one of our sessions owns it; false on a connection problem. Context only. */
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
      if (Ownership.isAccessProblem(e)) {
        log.warn("could not deregister: {}", core.ownership().refused(zk, "delete", path, e, timeout).getMessage());
      } else {
        log.warn("could not delete {}: {}", path, describe(e));
      }
      return true;
    }
  }

  /**
   * Stops maintaining a registration and deletes its node; if ZooKeeper cannot be reached,
   * the deletion is owed and made after reconnecting. Context only.
   */
  void deregister(RegistrationImpl reg) {
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk != null && reg.watchSession == zk.getSessionId()) {
      ZkOps.removeWatch(zk, reg.path, reg);
    }
    // Not when registered again meanwhile: the new registration owns the node. Otherwise
    // also when the node was never known to be created: register() may have given up while
    // the create was in flight.
    if (!byPath.containsKey(reg.path) && !deleteIfOurs(reg.path)) {
      pendingDeletes.add(reg.path);
      scheduleRetry();
    }
    forgetServiceIfLast(reg);
    retire(reg);
  }

  /**
   * Once this Roster holds no registration in a service, nothing keeps its node from being
   * emptied and re-created by someone else, so the next registration checks it again.
   */
  private void forgetServiceIfLast(RegistrationImpl reg) {
    if (!core.ownership().owned()) {
      return;
    }
    String service = reg.instance.service();
    for (RegistrationImpl other : byPath.values()) {
      if (other.instance.service().equals(service)) {
        return;
      }
    }
    core.ownership().forget(service);
  }

  /** Tells listeners a registration was let go, once, if they were told it was made. Any thread. */
  void retire(RegistrationImpl reg) {
    if (reg.retire()) {
      core.events().deregistered(reg.instance);
    }
  }

  /**
   * Stops maintaining every registration, for Roster.close(): ending the session removes
   * every ephemeral node at once, so nothing is deleted one by one. Waits up to {@code
   * timeout} for work already on the context (a create in flight) to finish, so that the
   * session ends after it and takes its node along.
   */
  void closeAll(Duration timeout) {
    List<RegistrationImpl> closing = List.copyOf(byPath.values());
    for (RegistrationImpl reg : closing) {
      reg.open = false;
      byPath.remove(reg.path, reg);
    }
    try {
      ContextCall.run(ctx, timeout, "finish the registrations in flight", () -> {
        pendingDeletes.clear();
        // After the creates in flight, so that a registration made meanwhile is let go too.
        closing.forEach(this::retire);
        return null;
      });
    } catch (RosterException e) {
      log.debug("closing with registrar work still in flight: {}", e.getMessage());
      closing.forEach(this::retire);
    }
  }
}
