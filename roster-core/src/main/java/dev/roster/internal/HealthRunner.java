package dev.roster.internal;

import dev.roster.ServiceInstance;
import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthPolicy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads behind one Roster's health-checked registrations, made on first use: one
 * scheduler thread that only times things (next check, check timeout, end of a drain
 * grace), and a pool on which checks run and registrations change. A check gets its own
 * pool thread, so one that hangs can neither delay the scheduler nor another
 * registration's checks; and a registration never starts a second check while its last one
 * still occupies a thread, so a check that ignores interrupts holds one thread at most.
 * Nothing here runs on a ZooKeeper thread. All daemon threads; {@link #close} stops them.
 */
final class HealthRunner {
  private static final AtomicInteger RUNNERS = new AtomicInteger();

  final RosterCore core;
  final ScheduledExecutorService scheduler;
  final ExecutorService workers;
  private final Map<String, HealthMonitor> byPath = new ConcurrentHashMap<>();

  HealthRunner(RosterCore core) {
    this.core = core;
    int n = RUNNERS.incrementAndGet();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(Threads.daemon("roster-health-" + n + "-timer-"));
    this.workers = Executors.newCachedThreadPool(Threads.daemon("roster-health-" + n + "-worker-"));
  }

  /**
   * Starts a health-checked registration. Called under the Roster's health lock, together
   * with {@link #close}, so a registration is either refused or stopped by close().
   */
  HealthCheckedRegistration register(ServiceInstance instance, HealthCheck check, HealthPolicy policy) {
    String path = core.instancePath(instance.service(), instance.id());
    HealthMonitor monitor = new HealthMonitor(this, instance, check, policy, path);
    if (byPath.putIfAbsent(path, monitor) != null) {
      throw new IllegalStateException("instance " + instance.service() + "/" + instance.id()
          + " is already registered with a health check by this Roster");
    }
    monitor.start();
    return monitor;
  }

  void forget(HealthMonitor monitor) {
    byPath.remove(monitor.path, monitor);
  }

  /** Stops every check and the threads; the Roster's session end removes the nodes. */
  void close() {
    for (HealthMonitor m : List.copyOf(byPath.values())) {
      m.closedWithRoster();
    }
    byPath.clear();
    scheduler.shutdownNow();
    workers.shutdownNow();
  }
}
