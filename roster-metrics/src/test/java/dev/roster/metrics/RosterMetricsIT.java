package dev.roster.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.RosterEventListener.ConnectionState;
import dev.roster.RosterEventListener.RegisterReason;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.internal.Internals;
import dev.roster.testing.FaultProxy;
import dev.roster.testing.SessionExpiry;
import dev.roster.testing.ZooKeeperExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RosterMetrics fed by a real Roster on a real ZooKeeper, and by its events directly. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RosterMetricsIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static double registrations(SimpleMeterRegistry registry, String service) {
    var gauge = registry.find("roster.registrations").tags("service", service).gauge();
    return gauge == null ? -1 : gauge.value(); // not yet told of any registration of the service
  }

  private static double reregistrations(SimpleMeterRegistry registry, String service, String reason) {
    var counter = registry.find("roster.reregistrations").tags("service", service, "reason", reason).functionCounter();
    return counter == null ? 0 : counter.count();
  }

  private static ZooKeeper raw() throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper raw = new ZooKeeper(zk.connectString(), 4000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    assertThat(connected.await(5, TimeUnit.SECONDS)).isTrue();
    return raw;
  }

  @Test
  void countsWhatARealRosterDoes() throws Exception {
    RosterMetrics metrics = new RosterMetrics();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ZooKeeper raw = raw();
    try (Roster roster = Roster.builder().connectString(zk.connectString()).eventListener(metrics).build()) {
      // Bound after the Roster connected: the CONNECTED event was not lost.
      metrics.bindTo(registry);
      await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("roster.zk.connected").gauge().value() == 1.0);
      assertThat(registry.get("roster.build.info").gauge().getId().getTag("version")).isNotBlank();
      try (ServiceView view = roster.watch("metered")) {
        view.whenReady().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("roster.view.updates")
            .tags("service", "metered", "result", "full_resync").functionCounter() != null);
        assertThat(registry.get("roster.view.propagation").timer().count()).isZero(); // the first read is not timed

        Registration r = roster.register(ServiceInstance.builder("metered").id("m1").address("127.0.0.1").port(80)
            .build());
        await().atMost(Duration.ofSeconds(5)).until(() -> registrations(registry, "metered") == 1.0);
        assertThat(registry.get("roster.register.duration").timer().count()).isEqualTo(1);
        assertThat(registry.get("roster.register.duration").timer().totalTime(TimeUnit.NANOSECONDS)).isPositive();
        // The view learns of m1 by a change: from the node's mtime to its listeners.
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("roster.view.propagation").timer().count() == 1);
        assertThat(registry.get("roster.view.propagation").timer().max(TimeUnit.SECONDS)).isLessThan(5);

        // A bad node written by someone else: counted with the codec that refused it.
        raw.create("/services/metered/bad", "{\"address\":".getBytes(StandardCharsets.UTF_8),
            ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("roster.decode.failures")
            .tags("service", "metered", "codec", "spring-cloud").functionCounter() != null);
        assertThat(registry.get("roster.decode.failures").tags("service", "metered", "codec", "spring-cloud")
            .functionCounter().count()).isEqualTo(1);

        // Deleted from outside while the session lives: made again, still one registration.
        raw.delete("/services/metered/m1", -1);
        await().atMost(Duration.ofSeconds(5)).until(() -> reregistrations(registry, "metered", "node_deleted") == 1);
        // A real expiry on the server: made again on the new session.
        ZooKeeper handle = Internals.core(roster).zooKeeperOrNull();
        SessionExpiry.expire(zk.connectString(), handle.getSessionId(), handle.getSessionPasswd(), Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(10)).until(() -> reregistrations(registry, "metered", "session_expired") == 1);
        assertThat(reregistrations(registry, "metered", "node_deleted")).isEqualTo(1);
        assertThat(reregistrations(registry, "metered", "fenced")).isZero();
        assertThat(registrations(registry, "metered")).isEqualTo(1);
        assertThat(registry.get("roster.register.duration").timer().count()).isEqualTo(1); // re-creations are not registrations

        r.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> registrations(registry, "metered") == 0.0);
        // The same id again, then left open for Roster.close() to let go.
        roster.register(ServiceInstance.builder("metered").id("m1").address("127.0.0.1").port(81).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> registrations(registry, "metered") == 1.0);
        assertThat(registry.get("roster.register.duration").timer().count()).isEqualTo(2);
      }
    } finally {
      raw.close();
    }
    assertThat(registrations(registry, "metered")).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("roster.zk.connected").gauge().value() == 0.0);
  }

  @Test
  void aRegistrationClosedWhileDisconnectedIsNoLongerHeld() throws Exception {
    RosterMetrics metrics = new RosterMetrics();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    ServiceInstance instance = ServiceInstance.builder("cut").id("c1").address("127.0.0.1").port(80).build();
    try (FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster roster = Roster.builder().connectString(proxy.connectString()).eventListener(metrics).build()) {
      Registration r = roster.register(instance);
      await().atMost(Duration.ofSeconds(5)).until(() -> registrations(registry, "cut") == 1.0);
      proxy.cut();
      await().atMost(Duration.ofSeconds(5)).until(() -> !roster.isConnected());
      r.close(); // the deletion is owed until ZooKeeper is back; the registration is let go now
      await().atMost(Duration.ofSeconds(5)).until(() -> registrations(registry, "cut") == 0.0);
      proxy.heal();
      await().atMost(Duration.ofSeconds(10)).until(roster::isConnected);
      // Registered again, whether the owed deletion ran first or the old node is taken over.
      Registration again = roster.register(instance);
      await().atMost(Duration.ofSeconds(5)).until(() -> registrations(registry, "cut") == 1.0);
      again.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> registrations(registry, "cut") == 0.0);
      assertThat(registry.get("roster.register.duration").timer().count()).isEqualTo(2);
    }
    assertThat(registrations(registry, "cut")).isZero();
  }

  @Test
  void namesTheEventsItCounts() {
    RosterMetrics metrics = new RosterMetrics();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ServiceInstance i = ServiceInstance.builder("pay").id("p1").address("127.0.0.1").port(80).build();
    metrics.registered(i, RegisterReason.NEW, Duration.ofMillis(30));
    metrics.registered(i, RegisterReason.SESSION_EXPIRED, Duration.ofSeconds(1));
    metrics.changePropagated("pay", Duration.ofMillis(7));
    metrics.bindTo(registry);
    metrics.registered(i, RegisterReason.NODE_DELETED, Duration.ofMillis(5));
    metrics.staleNodeReplaced(i, 42);
    metrics.sessionStarted(0, 1);
    metrics.sessionStarted(1, 2);
    metrics.nodeSkipped("pay", "/services/pay/x", "spring-cloud", "bad json");
    metrics.nodeSkipped("pay", "/services/pay/y", "spring-cloud", "bad json");
    metrics.nodeSkipped("pay", "/services/pay/z", "detecting", "bad json");
    metrics.massRemovalHeld("pay", 9, 10);
    metrics.connectionStateChanged(ConnectionState.RECONNECTED);
    metrics.changePropagated("pay", Duration.ofMillis(3));

    assertThat(registry.get("roster.reregistrations").tags("service", "pay", "reason", "session_expired")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.reregistrations").tags("service", "pay", "reason", "node_deleted")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.reregistrations").tags("service", "pay", "reason", "fenced")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.zk.session.expirations").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.decode.failures").tags("service", "pay", "codec", "spring-cloud")
        .functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("roster.decode.failures").tags("service", "pay", "codec", "detecting")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.protection.engaged").tags("service", "pay").gauge().value()).isEqualTo(1);
    assertThat(registry.get("roster.zk.connected").gauge().value()).isEqualTo(1);
    // Timed before and after binding: what came before is recorded when bound.
    assertThat(registry.get("roster.register.duration").timer().count()).isEqualTo(1);
    assertThat(registry.get("roster.register.duration").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(30);
    assertThat(registry.get("roster.view.propagation").timer().count()).isEqualTo(2);
    assertThat(registry.get("roster.view.propagation").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(10);
    assertThat(registry.get("roster.registrations").tags("service", "pay").gauge().value()).isEqualTo(1);
    metrics.deregistered(i);
    assertThat(registry.get("roster.registrations").tags("service", "pay").gauge().value()).isEqualTo(0);
    metrics.massRemovalConfirmed("pay", 0);
    assertThat(registry.get("roster.protection.engaged").tags("service", "pay").gauge().value()).isEqualTo(0);
  }
}
