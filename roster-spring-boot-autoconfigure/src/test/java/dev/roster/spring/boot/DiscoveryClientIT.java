package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The DiscoveryClients answer from a view: UP instances only, no ZooKeeper read per call, the
 * same list object until the view changes; {@code getServices()} reads at most once per TTL.
 */
class DiscoveryClientIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void answersFromTheViewWithoutReadingZooKeeperPerCall() {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build();
         ConfigurableApplicationContext app = Apps.start("spring.application.name=orders",
             "roster.connect-string=" + zk.connectString(), "roster.registration.enabled=false",
             "roster.discovery.services-cache-ttl=1h")) {
      Registration a = servers.register(instance("a", 8001));
      Registration b = servers.register(instance("b", 8002));
      Registration c = servers.register(instance("c", 8003));
      c.drain();

      DiscoveryClient discovery = app.getBean(DiscoveryClient.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> discovery.getInstances("payments").size() == 2);
      assertThat(discovery.getInstances("payments")).extracting(org.springframework.cloud.client.ServiceInstance::getInstanceId)
          .containsExactly("a", "b");
      // Spring Cloud configures reactive clients only with WebClient present, which this classpath lacks.
      ReactiveDiscoveryClient reactive = new RosterReactiveDiscoveryClient(app.getBean(RosterServiceViews.class), 0);
      assertThat(reactive.getInstances("payments").collectList().block(Duration.ofSeconds(5)))
          .extracting(org.springframework.cloud.client.ServiceInstance::getPort).containsExactly(8001, 8002);

      long session = app.getBean(Roster.class).sessionId();
      zk.server().resetRequestCounts();
      List<org.springframework.cloud.client.ServiceInstance> first = discovery.getInstances("payments");
      for (int i = 0; i < 10_000; i++) {
        assertThat(discovery.getInstances("payments")).isSameAs(first);
      }
      for (int i = 0; i < 100; i++) {
        assertThat(discovery.getServices()).containsExactly("payments");
      }
      Map<String, Long> requests = zk.server().requestCounts(session);
      assertThat(requests.getOrDefault("getData", 0L)).isZero();
      assertThat(requests.getOrDefault("getChildren2", 0L) + requests.getOrDefault("getChildren", 0L)).isLessThanOrEqualTo(1);

      // A change shows at once, from the watch.
      b.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> discovery.getInstances("payments").size() == 1);
      a.close();
      c.close();
    }
  }

  private static ServiceInstance instance(String id, int port) {
    return ServiceInstance.builder("payments").id(id).address("127.0.0.1").port(port).build();
  }
}
