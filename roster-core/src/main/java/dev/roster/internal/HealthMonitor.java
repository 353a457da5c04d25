package dev.roster.internal;

import dev.roster.Registration;
import dev.roster.ServiceInstance;
import dev.roster.Subscription;
import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthListener;
import dev.roster.health.HealthPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One health-checked registration: runs the check, counts rise and fall, and registers,
 * drains and deregisters a plain registration accordingly.
 *
 * <p>Threads. The scheduler thread only starts checks and fires timeouts. Each check runs
 * on a worker; its result, like every user call that changes the registration, is applied
 * on this monitor's serial context, so the state below needs no lock and transitions never
 * interleave. The next check is scheduled {@code interval} after the previous one ended
 * (or timed out), so checks of one registration never overlap.
 *
 * <p>States: DOWN (not registered) → UP after {@code rise} passes → DRAINING after
 * {@code fall} failures (node updated to DRAINING, removal scheduled after the drain grace)
 * → DOWN when the grace ends, or back to UP if {@code rise} passes come first. DRAINED
 * (after {@link #drain()}) and CLOSED are final; checks stop on entering them.
 */
final class HealthMonitor implements HealthCheckedRegistration {
  private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

  private enum State { DOWN, UP, DRAINING, DRAINED, CLOSED }

  final String path;
  private final HealthRunner runner;
  private final RosterCore core;
  private final HealthCheck check;
  private final HealthPolicy policy;
  private final String name;
  private final SerialExecutor ctx;

  private volatile ServiceInstance desired;
  private volatile HealthCheck.@Nullable Result last;
  private volatile boolean healthy;
  private volatile boolean open = true;
  private volatile boolean stopped;
  private volatile @Nullable Attempt attempt;
  /** The registration while the instance is in ZooKeeper; written on the context only. */
  private volatile @Nullable Registration inner;
  private @Nullable ScheduledFuture<?> nextCheck; // guarded by this

  // Context only.
  private State state = State.DOWN;
  private int successes;
  private int failures;
  private @Nullable ScheduledFuture<?> removal;
  private int episode;
  private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();

  HealthMonitor(HealthRunner runner, ServiceInstance instance, HealthCheck check, HealthPolicy policy, String path) {
    this.runner = runner;
    this.core = runner.core;
    this.desired = instance;
    this.check = check;
    this.policy = policy;
    this.path = path;
    this.name = instance.service() + "/" + instance.id();
    // Not one of the contexts that refuse blocking calls: it registers through the registrar.
    this.ctx = new SerialExecutor(runner.workers, "roster-health-" + name, false);
  }

  void start() {
    schedule(Duration.ZERO);
  }

  private void schedule(Duration delay) {
    synchronized (this) {
      if (stopped) {
        return;
      }
      try {
        nextCheck = runner.scheduler.schedule(this::runCheck, delay.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // the Roster is closing
      }
    }
  }

  /** On the scheduler thread: hands one check to a worker and arms its timeout. */
  private void runCheck() {
    if (stopped) {
      return;
    }
    Attempt previous = attempt;
    if (previous != null && previous.occupied) {
      // Timed out, interrupted, and still not returned: do not stack a second thread on it.
      completed(HealthCheck.Result.fail("timed out after " + policy.timeout().toMillis()
          + " ms, and the previous check is still running"));
      return;
    }
    Attempt a = new Attempt();
    attempt = a;
    try {
      runner.workers.execute(a);
      a.timer = runner.scheduler.schedule(a::timeOut, policy.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      a.occupied = false; // the Roster is closing
    }
  }

  private HealthCheck.Result runSafely() {
    try {
      HealthCheck.Result r = check.check(policy.timeout());
      return r != null ? r : HealthCheck.Result.fail("the check returned no result");
    } catch (Throwable t) {
      // A broken check means an instance that cannot show it is healthy: a failure, not a crash.
      return HealthCheck.Result.fail("the check threw " + t);
    }
  }

  /** One result is in (or the timeout won): apply it on the context and plan the next check. */
  private void completed(HealthCheck.Result result) {
    ctx.execute(() -> apply(result));
    schedule(policy.interval());
  }

  /** One run of the check on a worker, raced against its timeout; the first to finish counts. */
  private final class Attempt implements Runnable {
    private boolean done; // guarded by this
    private @Nullable Thread thread; // guarded by this
    /** True until the worker has left the check (or will never enter it). */
    volatile boolean occupied = true;
    volatile @Nullable ScheduledFuture<?> timer;

    @Override
    public void run() {
      synchronized (this) {
        if (done) {
          occupied = false; // timed out or cancelled before a thread was free
          return;
        }
        thread = Thread.currentThread();
      }
      HealthCheck.Result result;
      try {
        result = runSafely();
      } finally {
        synchronized (this) {
          thread = null;
          Thread.interrupted(); // a timeout that raced the return must not leak into the pool thread
        }
        occupied = false;
      }
      if (claim()) {
        ScheduledFuture<?> t = timer;
        if (t != null) {
          t.cancel(false);
        }
        completed(result);
      }
    }

    void timeOut() {
      if (cancel()) {
        completed(HealthCheck.Result.fail("timed out after " + policy.timeout().toMillis() + " ms"));
      }
    }

    /** Stops waiting for the check and interrupts it; false if it had already finished. */
    synchronized boolean cancel() {
      if (done) {
        return false;
      }
      done = true;
      if (thread != null) {
        thread.interrupt();
      }
      return true;
    }

    private synchronized boolean claim() {
      if (done) {
        return false;
      }
      done = true;
      return true;
    }
  }

  /** Counts one result and changes state when rise or fall is reached. Context only. */
  private void apply(HealthCheck.Result result) {
    last = result;
    if (stopped || state == State.DRAINED || state == State.CLOSED) {
      return;
    }
    for (HealthListener l : listeners) {
      core.events().execute(() -> l.onCheck(this, result));
    }
    log.debug("{}: health check {} ({})", name, result.healthy() ? "passed" : "failed", result.reason());
    if (result.healthy()) {
      failures = 0;
      successes = Math.min(successes + 1, policy.rise());
      if (state != State.UP && successes >= policy.rise()) {
        up(result);
      }
    } else {
      successes = 0;
      failures = Math.min(failures + 1, policy.fall());
      if (state == State.UP && failures >= policy.fall()) {
        down(result);
      }
    }
  }

  private void up(HealthCheck.Result result) {
    ServiceInstance instance = desired;
    try {
      Registration r = inner;
      if (r == null) {
        inner = core.register(instance);
        log.info("{} passed {} health checks in a row ({}); registered", name, policy.rise(), result.reason());
      } else {
        r.update(instance);
        cancelRemoval(); // only now: if the update failed, the pending removal still stands
        log.info("{} passed {} health checks in a row ({}) while draining; up again", name, policy.rise(),
            result.reason());
      }
      state = State.UP;
      healthy = true;
      tell(true, result);
    } catch (RuntimeException e) {
      // successes stays at rise, so the next passing check tries again.
      log.warn("{} is healthy but could not be registered: {}; trying again after the next check", name,
          e.getMessage());
    }
  }

  private void down(HealthCheck.Result result) {
    healthy = false;
    state = State.DRAINING;
    tell(false, result);
    int ep = ++episode;
    Duration grace = policy.drainGrace();
    log.warn("{} failed {} health checks in a row ({}); draining, deregistering in {} ms", name, policy.fall(),
        result.reason(), grace.toMillis());
    Registration r = inner;
    if (r != null) {
      try {
        r.update(draining(desired));
      } catch (RuntimeException e) {
        log.warn("could not mark {} draining: {}", name, e.getMessage());
      }
    }
    if (grace.isZero()) {
      remove(ep);
      return;
    }
    try {
      removal = runner.scheduler.schedule(() -> ctx.execute(() -> remove(ep)), grace.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // the Roster is closing, and its session end removes the node
    }
  }

  /** Ends a drain episode by deregistering, unless the instance came back up meanwhile. */
  private void remove(int ep) {
    if (state != State.DRAINING || episode != ep) {
      return;
    }
    Registration r = inner;
    inner = null;
    state = State.DOWN;
    if (r != null) {
      r.close();
      log.info("{} deregistered after failing its health checks", name);
    }
  }

  /** Queues a change of verdict for the listeners, after the state changed. */
  private void tell(boolean nowHealthy, HealthCheck.Result result) {
    for (HealthListener l : listeners) {
      core.events().execute(() -> l.onHealthChanged(this, nowHealthy, result));
    }
  }

  @Override
  public Subscription addListener(HealthListener listener) {
    Objects.requireNonNull(listener, "listener");
    HealthListener entry = new HealthListener() { // its own identity: the same listener twice is two entries
      @Override
      public void onHealthChanged(HealthCheckedRegistration r, boolean h, HealthCheck.Result res) {
        listener.onHealthChanged(r, h, res);
      }

      @Override
      public void onCheck(HealthCheckedRegistration r, HealthCheck.Result res) {
        listener.onCheck(r, res);
      }
    };
    listeners.add(entry);
    return () -> listeners.remove(entry);
  }

  private void cancelRemoval() {
    ScheduledFuture<?> f = removal;
    removal = null;
    if (f != null) {
      f.cancel(false);
    }
    episode++;
  }

  private static ServiceInstance draining(ServiceInstance instance) {
    return instance.toBuilder().status(ServiceInstance.Status.DRAINING).build();
  }

  /** The Roster is closing: stop checking; the session's end removes the node. */
  void closedWithRoster() {
    open = false;
    stop();
  }

  /** Stops checking: no new check starts, and one that is running is interrupted. */
  void stop() {
    stopped = true;
    healthy = false;
    ScheduledFuture<?> f;
    synchronized (this) {
      f = nextCheck;
      nextCheck = null;
    }
    if (f != null) {
      f.cancel(false);
    }
    Attempt a = attempt;
    if (a != null && a.cancel()) {
      ScheduledFuture<?> t = a.timer;
      if (t != null) {
        t.cancel(false);
      }
    }
  }

  /** Runs {@code task} on the context and waits for it, bounded, passing on what it throws. */
  private <T> T call(String what, Supplier<T> task) {
    Threads.refuseBlocking("HealthCheckedRegistration." + what + "()");
    if (core.isClosed()) {
      throw new IllegalStateException("this Roster is closed");
    }
    // The context may be in the middle of a registration, which is bounded by the operation timeout.
    Duration wait = core.config().operationTimeout().multipliedBy(2).plusSeconds(1);
    return ContextCall.run(ctx, wait, what + " " + path, task);
  }

  @Override
  public ServiceInstance instance() {
    Registration r = inner;
    return r != null ? r.instance() : desired;
  }

  @Override
  public void update(ServiceInstance next) {
    Objects.requireNonNull(next, "instance");
    if (!open) {
      throw new IllegalStateException("registration " + path + " is closed");
    }
    core.checkUpdate(desired, next); // before anything changes
    call("update", () -> {
      if (state == State.CLOSED) {
        throw new IllegalStateException("registration " + path + " is closed");
      }
      desired = next;
      Registration r = inner;
      if (r != null) {
        r.update(state == State.UP ? next : draining(next));
      }
      return null;
    });
  }

  @Override
  public void drain() {
    drainAndCheckRegistered();
  }

  /** Drains; true if the instance is in ZooKeeper (as DRAINING) afterwards. */
  private boolean drainAndCheckRegistered() {
    if (!open) {
      throw new IllegalStateException("registration " + path + " is closed");
    }
    stop();
    return call("drain", () -> {
      if (state == State.CLOSED) {
        throw new IllegalStateException("registration " + path + " is closed");
      }
      cancelRemoval();
      state = State.DRAINED;
      healthy = false; // a result applied just before the drain may have set it
      Registration r = inner;
      if (r != null) {
        r.drain();
      }
      return r != null;
    });
  }

  @Override
  public void close(Duration grace) {
    Grace.leave(this, core, path, grace, this::drainAndCheckRegistered, () -> inner != null);
  }

  @Override
  public void close() {
    if (!open) {
      return;
    }
    open = false;
    stop();
    runner.forget(this);
    if (core.isClosed()) {
      return; // the session has ended, and the node with it
    }
    try {
      call("close", () -> {
        state = State.CLOSED;
        healthy = false;
        cancelRemoval();
        Registration r = inner;
        inner = null;
        if (r != null) {
          r.close();
        }
        return null;
      });
    } catch (RuntimeException e) {
      log.debug("closing {} continues in the background: {}", path, e.getMessage());
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** True while the check passes and the node is known to exist on the current, trusted session. */
  @Override
  public boolean isRegistered() {
    Registration r = inner;
    return open && r != null && r.isRegistered();
  }

  @Override
  public boolean isHealthy() {
    return healthy;
  }

  @Override
  public HealthCheck.@Nullable Result lastResult() {
    return last;
  }

  @Override
  public String toString() {
    String state = !open ? "closed" : healthy ? "healthy" : "not healthy";
    return "HealthCheckedRegistration[" + path + ", " + check + ", " + state + "]";
  }
}
