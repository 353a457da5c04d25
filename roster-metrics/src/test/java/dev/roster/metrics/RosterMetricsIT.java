package dev.roster.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.RosterEventListener.ConnectionState;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.ZooKeeperExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RosterMetrics fed by a real Roster on a real ZooKeeper, and by its events directly. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RosterMetricsIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void countsWhatARealRosterDoes() throws Exception {
    RosterMetrics metrics = new RosterMetrics();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Roster roster = Roster.builder().connectString(zk.connectString()).eventListener(metrics).build()) {
      // Bound after the Roster connected: the CONNECTED event was not lost.
      metrics.bindTo(registry);
      await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("roster.zk.connected").gauge().value() == 1.0);
      assertThat(registry.get("roster.build.info").gauge().getId().getTag("version")).isNotBlank();
      try (Registration r = roster.register(ServiceInstance.builder("metered").id("m1").address("127.0.0.1").port(80)
          .build()); ServiceView view = roster.watch("metered")) {
        view.whenReady().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("roster.view.updates")
            .tags("service", "metered", "result", "full_resync").functionCounter() != null);
      }
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("roster.zk.connected").gauge().value() == 0.0);
  }

  @Test
  void namesTheEventsItCounts() {
    RosterMetrics metrics = new RosterMetrics();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ServiceInstance i = ServiceInstance.builder("pay").id("p1").address("127.0.0.1").port(80).build();
    metrics.registered(i, false);
    metrics.registered(i, true);
    metrics.bindTo(registry);
    metrics.staleNodeReplaced(i, 42);
    metrics.sessionStarted(0, 1);
    metrics.sessionStarted(1, 2);
    metrics.nodeSkipped("pay", "/services/pay/x", "bad json");
    metrics.nodeSkipped("pay", "/services/pay/y", "bad json");
    metrics.massRemovalHeld("pay", 9, 10);
    metrics.connectionStateChanged(ConnectionState.RECONNECTED);

    assertThat(registry.get("roster.reregistrations").tags("service", "pay", "reason", "recreated")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.reregistrations").tags("service", "pay", "reason", "fenced")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.zk.session.expirations").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("roster.decode.failures").tags("service", "pay").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("roster.protection.engaged").tags("service", "pay").gauge().value()).isEqualTo(1);
    assertThat(registry.get("roster.zk.connected").gauge().value()).isEqualTo(1);
    metrics.massRemovalConfirmed("pay", 0);
    assertThat(registry.get("roster.protection.engaged").tags("service", "pay").gauge().value()).isEqualTo(0);
  }
}
