package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A watcher cut off from ZooKeeper keeps serving its last list, then converges exactly. */
class StaleViewIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  @Test
  void cutWatcherServesItsLastListAndConvergesAfterHealing() throws Exception {
    Duration session = Duration.ofSeconds(2);
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build();
        FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster client = Roster.builder().connectString(proxy.connectString()).sessionTimeout(session).build()) {
      Registration p1 = servers.register(ServiceInstance.builder("payments").id("p1").address("h").port(1).build());
      Registration p2 = servers.register(ServiceInstance.builder("payments").id("p2").address("h").port(2).build());
      servers.register(ServiceInstance.builder("payments").id("p3").address("h").port(3).build());
      ServiceView view = client.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      Recorder rec = new Recorder(() -> 1);
      view.addListener(rec);
      assertThat(view.instances()).hasSize(3);

      proxy.cut();
      await().atMost(Duration.ofSeconds(3)).until(view::isStale);
      assertThat(view.staleSince()).isNotNull();
      // Changes made while the watcher is cut off.
      p1.close();
      p2.update(p2.instance().toBuilder().metadata("version", "2").build());
      servers.register(ServiceInstance.builder("payments").id("p4").address("h").port(4).build());
      // Past the watcher's own session timeout it still serves the last known list.
      long until = System.nanoTime() + session.multipliedBy(2).toNanos();
      while (System.nanoTime() < until) {
        assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1", "p2", "p3");
        assertThat(view.isStale()).isTrue();
        Thread.sleep(100);
      }

      proxy.heal();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(view.isStale()).isFalse();
        assertThat(view.instances().stream().map(ServiceInstance::id).collect(Collectors.toSet()))
            .isEqualTo(Set.of("p2", "p3", "p4"));
        assertThat(view.instances().get(0).metadata()).containsEntry("version", "2");
      });
      assertThat(view.staleSince()).isNull();
      assertThat(rec.violations).isEmpty();
      assertThat(rec.changes).allSatisfy(c -> assertThat(c.instances()).isNotEmpty());
    }
  }
}
