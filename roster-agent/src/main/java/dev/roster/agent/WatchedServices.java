package dev.roster.agent;

import dev.roster.Roster;
import dev.roster.agent.dns.DnsServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * The services the agent watches: one {@link ServiceState} per name asked about, opened on
 * first use. Anyone can ask about any name, so what is kept is bounded: a state that no
 * parked query or stream uses and nobody asked about for the idle time is closed (its view
 * and its meters with it), and at most {@code max} are open at once, the least recently used
 * idle one making room for a new name. When all are in use, a new name is refused with 503.
 *
 * <p>Indexes come from one agent-wide sequence, so a service watched again after it was
 * closed goes on from above the index its clients last saw instead of starting over; each
 * service's index still moves only when that service changes.
 */
final class WatchedServices {
  private final Roster roster;
  private final MeterRegistry registry;
  private final Scheduler scheduler;
  private final int ringSize;
  private final int max;
  private final long idleNanos;
  private final Map<String, ServiceState> services = new ConcurrentHashMap<>();
  private final AtomicLong indexes = new AtomicLong();
  private final @Nullable DnsServer dns;
  private volatile Scheduler.@Nullable Task sweep;
  private volatile boolean closed;

  WatchedServices(Roster roster, MeterRegistry registry, Scheduler scheduler, int ringSize, int max,
      Duration idleAfter, @Nullable DnsServer dns) {
    this.roster = roster;
    this.dns = dns;
    this.registry = registry;
    this.scheduler = scheduler;
    this.ringSize = ringSize;
    this.max = max;
    this.idleNanos = idleAfter.toNanos();
    Gauge.builder("roster.agent.watched.services", services, Map::size)
        .description("Services the agent keeps a view of")
        .register(registry);
  }

  /** Starts sweeping idle states; called once the scheduler runs (before, it drops tasks). */
  void start() {
    scheduleSweep();
  }

  /**
   * The state of {@code name}, opened if need be, and marked as used now.
   *
   * @throws HttpError 400 for a name Roster cannot watch, 503 when the limit is reached and
   *     every watched service is in use
   */
  ServiceState get(String name) {
    while (true) {
      ServiceState state = services.get(name);
      if (state == null) {
        makeRoom();
        try {
          state = services.computeIfAbsent(name, n -> new ServiceState(n, roster.watch(n), ringSize, registry,
              indexes::incrementAndGet, dns));
        } catch (IllegalArgumentException e) {
          throw HttpError.invalid(e);
        }
      }
      if (state.touch()) {
        return state;
      }
      // Closed as idle just now: forget it and open a fresh one.
      services.remove(name, state);
    }
  }

  /** Closes the least recently used idle state if a new one would pass the limit. */
  private void makeRoom() {
    if (services.size() < max) {
      return;
    }
    ServiceState oldest = null;
    for (ServiceState s : services.values()) {
      if (!s.inUse() && (oldest == null || s.lastUsed() - oldest.lastUsed() < 0)) {
        oldest = s;
      }
    }
    if (oldest == null || !oldest.closeIfIdle(System.nanoTime() + 1)) {
      throw new HttpError(503, "the agent watches " + services.size() + " services, its limit, and every one"
          + " has a parked query or an open stream; try again later", null);
    }
    services.remove(oldest.service(), oldest);
  }

  private void scheduleSweep() {
    long every = Math.max(TimeUnit.SECONDS.toNanos(1), idleNanos / 2);
    sweep = scheduler.schedule(this::sweepNow, every, TimeUnit.NANOSECONDS);
  }

  /** Closes every state idle for longer than the idle time. */
  void sweepNow() {
    if (closed) {
      return;
    }
    long cutoff = System.nanoTime() - idleNanos;
    services.values().removeIf(s -> s.closeIfIdle(cutoff));
    scheduleSweep();
  }

  /** The services as DNS asks for them: the same states, the same bound, the same idle rule. */
  DnsServer.Catalog dnsCatalog() {
    return name -> {
      try {
        return get(name);
      } catch (HttpError e) {
        if (e.status == 503) {
          throw new IllegalStateException(e.getMessage());
        }
        throw new IllegalArgumentException(e.getMessage());
      }
    };
  }

  int size() {
    return services.size();
  }

  /** Ends every stream and parked query and closes every view. */
  void close() {
    closed = true;
    Scheduler.Task t = sweep;
    if (t != null) {
      t.cancel();
    }
    for (ServiceState s : services.values()) {
      s.close();
    }
    services.clear();
  }
}
