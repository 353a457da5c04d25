package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A fleet moving one service at a time: {@code inventory} on the real Spring Cloud Zookeeper
 * Discovery starter and {@code payments} on Roster's, same ZooKeeper and base path, find and
 * call each other by name both ways. Both starters are on this classpath; each context
 * switches the other off ({@code roster.enabled=false}, {@code spring.cloud.zookeeper.enabled=false}).
 */
class MixedFleetIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void springCloudZookeeperAndRosterCallEachOtherByName() {
    try (ConfigurableApplicationContext inventory = Apps.startOnSpringCloudZookeeper(
             "spring.application.name=inventory",
             "spring.cloud.zookeeper.connect-string=" + zk.connectString(),
             "spring.cloud.zookeeper.discovery.root=/services");
         ConfigurableApplicationContext payments = Apps.start("spring.application.name=payments",
             "roster.connect-string=" + zk.connectString(), "roster.base-path=/services",
             "roster.session-timeout=2s", "roster.connection-timeout=5s", "roster.registration.drain-grace=0s")) {
      assertThat(inventory.getBeansOfType(RosterServiceViews.class)).isEmpty();
      assertThat(payments.getBean(DiscoveryClient.class).getInstances("inventory")).singleElement()
          .satisfies(i -> assertThat(i.getPort()).isEqualTo(Apps.port(inventory)));

      // Roster's caller, Spring Cloud Zookeeper's callee.
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
          assertThat(Apps.call(payments, "inventory", "/hello")).isEqualTo("hello from inventory one"));
      // Spring Cloud Zookeeper's caller, Roster's callee: it reads the node Roster wrote.
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
          assertThat(Apps.call(inventory, "payments", "/hello")).isEqualTo("hello from payments one"));
      assertThat(inventory.getBean(DiscoveryClient.class).getInstances("payments")).singleElement()
          .satisfies(i -> {
            assertThat(i.getPort()).isEqualTo(Apps.port(payments));
            assertThat(i.getMetadata()).containsEntry("instance_status", "UP");
          });
    }
  }
}
