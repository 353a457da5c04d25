package dev.roster.metrics;

import dev.roster.RosterEventListener;
import dev.roster.ServiceInstance;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for one {@link dev.roster.Roster}, fed by its events: pass it to {@link
 * dev.roster.Roster.Builder#eventListener} and bind it to your {@link MeterRegistry}.
 *
 * <pre>{@code
 * RosterMetrics metrics = new RosterMetrics();
 * Roster roster = Roster.builder().connectString("zk:2181").eventListener(metrics).build();
 * metrics.bindTo(meterRegistry);
 * }</pre>
 *
 * <p>Meters, in Prometheus form:
 * <ul>
 *   <li>{@code roster_zk_connected} — 1 while connected to ZooKeeper, else 0;
 *   <li>{@code roster_zk_session_expirations_total} — sessions that ended and were replaced;
 *   <li>{@code roster_registrations{service}} — the registrations this Roster holds: made
 *       and not yet closed, whether or not their node is in ZooKeeper at this moment;
 *   <li>{@code roster_register_duration_seconds} — a timer of how long {@code register} took,
 *       from the call until its node was created;
 *   <li>{@code roster_reregistrations_total{service,reason}} — instance nodes made again:
 *       {@code reason="session_expired"} on a new session after the one holding the node
 *       expired, {@code "node_deleted"} after the node was deleted from outside while the
 *       session lived, {@code "fenced"} when a node left by one of this Roster's own expired
 *       sessions was replaced;
 *   <li>{@code roster_decode_failures_total{service,codec}} — nodes skipped because they
 *       could not be decoded, by the {@linkplain dev.roster.codec.InstanceCodec#name() name}
 *       of the codec that refused them;
 *   <li>{@code roster_protection_engaged{service}} — 1 while a mass removal is held for
 *       confirmation, else 0;
 *   <li>{@code roster_view_updates_total{service,result}} — reads of ZooKeeper by a view,
 *       {@code result="full_resync"} for a complete re-read, {@code "change"} for one change;
 *   <li>{@code roster_view_last_sync_timestamp_seconds{service}} — when a view last read
 *       ZooKeeper, in seconds since the epoch;
 *   <li>{@code roster_view_propagation_seconds} — a timer of how long an added or updated
 *       instance took from its write (the node's modification time, by the ZooKeeper
 *       server's clock) to a view's listeners, for changes a view learnt of one by one (not
 *       its first read or re-reads); a server clock ahead of this machine's gives zeros;
 *   <li>{@code roster_build_info{version}} — always 1.
 * </ul>
 *
 * <p>Events seen before {@link #bindTo} are counted too, so binding after the Roster is built
 * loses nothing; the two timers hold what they measured before the first {@code bindTo} (up
 * to {@value #HELD_SAMPLES} samples each) and record it then. It may be bound to several
 * registries. Every callback is a few map operations, as the event path asks of listeners.
 */
public final class RosterMetrics implements RosterEventListener, MeterBinder {
  private static final String VERSION = readVersion();
  private static final int HELD_SAMPLES = 1024;

  private final AtomicInteger connected = new AtomicInteger();
  private final Map<Tags, AtomicInteger> registrations = new ConcurrentHashMap<>();
  private final HeldTimer registerDuration = new HeldTimer("roster.register.duration",
      "How long a registration took, from the register call until its node was created");
  private final HeldTimer propagation = new HeldTimer("roster.view.propagation",
      "From an instance node's write (its ZooKeeper mtime) until a view's listeners were told");
  private final AtomicLong sessionExpirations = new AtomicLong();
  private final Map<Tags, AtomicLong> reregistrations = new ConcurrentHashMap<>();
  private final Map<Tags, AtomicLong> decodeFailures = new ConcurrentHashMap<>();
  private final Map<Tags, AtomicLong> viewUpdates = new ConcurrentHashMap<>();
  private final Map<Tags, AtomicInteger> protection = new ConcurrentHashMap<>();
  private final Map<Tags, AtomicLong> lastSync = new ConcurrentHashMap<>();
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

  /** Metrics with every count at zero, bound to no registry yet. */
  public RosterMetrics() {}

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    registries.add(registry);
    Gauge.builder("roster.zk.connected", connected, AtomicInteger::get)
        .description("1 while connected to ZooKeeper, else 0")
        .register(registry);
    FunctionCounter.builder("roster.zk.session.expirations", sessionExpirations, AtomicLong::get)
        .description("ZooKeeper sessions that expired and were replaced by a new one")
        .register(registry);
    Gauge.builder("roster.build.info", () -> 1)
        .description("The Roster version, as a label")
        .tags("version", VERSION)
        .register(registry);
    registerDuration.bindTo(registry);
    propagation.bindTo(registry);
    registrations.forEach((tags, value) -> registrationsMeter(registry, tags, value));
    reregistrations.forEach((tags, count) -> reregistrationMeter(registry, tags, count));
    decodeFailures.forEach((tags, count) -> decodeMeter(registry, tags, count));
    viewUpdates.forEach((tags, count) -> viewMeter(registry, tags, count));
    protection.forEach((tags, value) -> protectionMeter(registry, tags, value));
    lastSync.forEach((tags, millis) -> lastSyncMeter(registry, tags, millis));
  }

  @Override
  public void connectionStateChanged(ConnectionState state) {
    connected.set(state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED ? 1 : 0);
  }

  @Override
  public void sessionStarted(long previousSessionId, long sessionId) {
    if (previousSessionId != 0) {
      sessionExpirations.incrementAndGet();
    }
  }

  @Override
  public void registered(ServiceInstance instance, RegisterReason reason, Duration took) {
    switch (reason) {
      case NEW -> {
        registrations(instance.service()).incrementAndGet();
        registerDuration.record(took);
      }
      case SESSION_EXPIRED -> count(reregistrations,
          Tags.of("service", instance.service(), "reason", "session_expired"), RosterMetrics::reregistrationMeter);
      case NODE_DELETED -> count(reregistrations,
          Tags.of("service", instance.service(), "reason", "node_deleted"), RosterMetrics::reregistrationMeter);
    }
  }

  @Override
  public void deregistered(ServiceInstance instance) {
    registrations(instance.service()).decrementAndGet();
  }

  @Override
  public void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {
    count(reregistrations, Tags.of("service", instance.service(), "reason", "fenced"),
        RosterMetrics::reregistrationMeter);
  }

  @Override
  public void nodeSkipped(String service, String path, String codec, String reason) {
    count(decodeFailures, Tags.of("service", service, "codec", codec), RosterMetrics::decodeMeter);
  }

  @Override
  public void changePropagated(String service, Duration sinceWritten) {
    propagation.record(sinceWritten);
  }

  @Override
  public void viewRead(String service, boolean fullResync, int reads) {
    count(viewUpdates, Tags.of("service", service, "result", fullResync ? "full_resync" : "change"),
        RosterMetrics::viewMeter);
    Tags tags = Tags.of("service", service);
    AtomicLong millis = lastSync.get(tags);
    if (millis == null) {
      synchronized (this) {
        millis = lastSync.computeIfAbsent(tags, t -> new AtomicLong());
        for (MeterRegistry registry : registries) {
          lastSyncMeter(registry, tags, millis);
        }
      }
    }
    millis.set(System.currentTimeMillis());
  }

  @Override
  public void massRemovalHeld(String service, int removing, int holding) {
    protection(service).set(1);
  }

  @Override
  public void massRemovalConfirmed(String service, int removed) {
    protection(service).set(0);
  }

  private AtomicInteger protection(String service) {
    return gauge(protection, Tags.of("service", service), RosterMetrics::protectionMeter);
  }

  private AtomicInteger registrations(String service) {
    return gauge(registrations, Tags.of("service", service), RosterMetrics::registrationsMeter);
  }

  /** A gauge's value, registering the gauge with every bound registry the first time a key is seen. */
  private AtomicInteger gauge(Map<Tags, AtomicInteger> values, Tags tags, GaugeFactory factory) {
    AtomicInteger value = values.get(tags);
    if (value != null) {
      return value;
    }
    synchronized (this) {
      value = values.get(tags);
      if (value == null) {
        value = new AtomicInteger();
        values.put(tags, value);
        for (MeterRegistry registry : registries) {
          factory.register(registry, tags, value);
        }
      }
      return value;
    }
  }

  /** Counts one, registering the meter with every bound registry the first time a key is seen. */
  private void count(Map<Tags, AtomicLong> counts, Tags tags, MeterFactory factory) {
    AtomicLong count = counts.get(tags);
    if (count == null) {
      // Under the lock, so a concurrent bindTo neither misses nor doubles the new key.
      synchronized (this) {
        count = counts.get(tags);
        if (count == null) {
          count = new AtomicLong();
          counts.put(tags, count);
          for (MeterRegistry registry : registries) {
            factory.register(registry, tags, count);
          }
        }
      }
    }
    count.incrementAndGet();
  }

  @FunctionalInterface
  private interface MeterFactory {
    void register(MeterRegistry registry, Tags tags, AtomicLong count);
  }

  @FunctionalInterface
  private interface GaugeFactory {
    void register(MeterRegistry registry, Tags tags, AtomicInteger value);
  }

  /**
   * One timer in every bound registry. A timer's samples cannot be read back into another
   * registry, so what it measures before the first registry is bound is held (up to {@value
   * #HELD_SAMPLES} samples) and recorded into that one.
   */
  private static final class HeldTimer {
    private final String name;
    private final String description;
    private final List<Timer> timers = new CopyOnWriteArrayList<>();
    /** Guarded by this; null once bound. */
    private volatile @Nullable List<Duration> held = new ArrayList<>();

    HeldTimer(String name, String description) {
      this.name = name;
      this.description = description;
    }

    void record(Duration sample) {
      if (held != null) {
        synchronized (this) {
          List<Duration> h = held;
          if (h != null) {
            if (h.size() < HELD_SAMPLES) {
              h.add(sample);
            }
            return;
          }
        }
      }
      for (Timer timer : timers) {
        timer.record(sample);
      }
    }

    synchronized void bindTo(MeterRegistry registry) {
      Timer timer = Timer.builder(name).description(description).register(registry);
      timers.add(timer);
      List<Duration> h = held;
      if (h != null) {
        h.forEach(timer::record);
        held = null;
      }
    }
  }

  private static void registrationsMeter(MeterRegistry registry, Tags tags, AtomicInteger value) {
    Gauge.builder("roster.registrations", value, AtomicInteger::get)
        .description("Registrations this Roster holds: made and not yet closed")
        .tags(tags)
        .register(registry);
  }

  private static void reregistrationMeter(MeterRegistry registry, Tags tags, AtomicLong count) {
    FunctionCounter.builder("roster.reregistrations", count, AtomicLong::get)
        .description("Instance nodes created again after they were lost or fenced")
        .tags(tags)
        .register(registry);
  }

  private static void decodeMeter(MeterRegistry registry, Tags tags, AtomicLong count) {
    FunctionCounter.builder("roster.decode.failures", count, AtomicLong::get)
        .description("Nodes skipped because their data could not be decoded")
        .tags(tags)
        .register(registry);
  }

  private static void viewMeter(MeterRegistry registry, Tags tags, AtomicLong count) {
    FunctionCounter.builder("roster.view.updates", count, AtomicLong::get)
        .description("Reads of ZooKeeper by a view: full re-reads and single changes")
        .tags(tags)
        .register(registry);
  }

  private static void protectionMeter(MeterRegistry registry, Tags tags, AtomicInteger value) {
    Gauge.builder("roster.protection.engaged", value, AtomicInteger::get)
        .description("1 while a mass removal is held for confirmation, else 0")
        .tags(tags)
        .register(registry);
  }

  private static void lastSyncMeter(MeterRegistry registry, Tags tags, AtomicLong millis) {
    Gauge.builder("roster.view.last.sync.timestamp", millis, m -> m.get() / 1000.0)
        .description("When a view last read ZooKeeper, in seconds since the epoch")
        .baseUnit("seconds")
        .tags(tags)
        .register(registry);
  }

  private static String readVersion() {
    try (InputStream in = RosterMetrics.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
