package dev.roster.metrics;

import dev.roster.RosterEventListener;
import dev.roster.ServiceInstance;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 *   <li>{@code roster_reregistrations_total{service,reason}} — instance nodes created again:
 *       {@code reason="recreated"} after a session expiry or a deletion from outside (the
 *       library's event does not say which), {@code "fenced"} when a node left by one of this
 *       Roster's own expired sessions was replaced;
 *   <li>{@code roster_decode_failures_total{service}} — nodes skipped because they could not
 *       be decoded;
 *   <li>{@code roster_protection_engaged{service}} — 1 while a mass removal is held for
 *       confirmation, else 0;
 *   <li>{@code roster_view_updates_total{service,result}} — reads of ZooKeeper by a view,
 *       {@code result="full_resync"} for a complete re-read, {@code "change"} for one change;
 *   <li>{@code roster_build_info{version}} — always 1.
 * </ul>
 *
 * <p>Events seen before {@link #bindTo} are counted too, so binding after the Roster is built
 * loses nothing. It may be bound to several registries. Every callback is a few map
 * operations, as the event path asks of listeners.
 */
public final class RosterMetrics implements RosterEventListener, MeterBinder {
  private static final String VERSION = readVersion();

  private final AtomicInteger connected = new AtomicInteger();
  private final AtomicLong sessionExpirations = new AtomicLong();
  private final Map<Tags, AtomicLong> reregistrations = new ConcurrentHashMap<>();
  private final Map<Tags, AtomicLong> decodeFailures = new ConcurrentHashMap<>();
  private final Map<Tags, AtomicLong> viewUpdates = new ConcurrentHashMap<>();
  private final Map<Tags, AtomicInteger> protection = new ConcurrentHashMap<>();
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
    reregistrations.forEach((tags, count) -> reregistrationMeter(registry, tags, count));
    decodeFailures.forEach((tags, count) -> decodeMeter(registry, tags, count));
    viewUpdates.forEach((tags, count) -> viewMeter(registry, tags, count));
    protection.forEach((tags, value) -> protectionMeter(registry, tags, value));
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
  public void registered(ServiceInstance instance, boolean recreated) {
    if (recreated) {
      count(reregistrations, Tags.of("service", instance.service(), "reason", "recreated"),
          RosterMetrics::reregistrationMeter);
    }
  }

  @Override
  public void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {
    count(reregistrations, Tags.of("service", instance.service(), "reason", "fenced"),
        RosterMetrics::reregistrationMeter);
  }

  @Override
  public void nodeSkipped(String service, String path, String reason) {
    count(decodeFailures, Tags.of("service", service), RosterMetrics::decodeMeter);
  }

  @Override
  public void viewRead(String service, boolean fullResync, int reads) {
    count(viewUpdates, Tags.of("service", service, "result", fullResync ? "full_resync" : "change"),
        RosterMetrics::viewMeter);
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
    Tags tags = Tags.of("service", service);
    AtomicInteger value = protection.get(tags);
    if (value != null) {
      return value;
    }
    synchronized (this) {
      value = protection.computeIfAbsent(tags, t -> new AtomicInteger());
      for (MeterRegistry registry : registries) {
        protectionMeter(registry, tags, value);
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
