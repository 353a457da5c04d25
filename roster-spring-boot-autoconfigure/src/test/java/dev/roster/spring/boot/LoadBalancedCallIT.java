package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two real applications on one embedded ZooKeeper: {@code payments} registers itself with its
 * real port, {@code orders} calls {@code http://payments/hello} through a {@code @LoadBalanced
 * RestClient.Builder}; when a payments instance closes it drains, deregisters, and stops
 * being called.
 */
class LoadBalancedCallIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void callsByNameAndStopsRoutingToAnInstanceThatLeaves() {
    String zkProperty = "roster.connect-string=" + zk.connectString();
    try (Roster observer = Roster.builder().connectString(zk.connectString()).build();
         ServiceView payments = observer.watch("payments");
         ConfigurableApplicationContext first = Apps.start(zkProperty, "spring.application.name=payments",
             "app.instance=first", "roster.registration.drain-grace=2s", "roster.registration.zone=z1",
             "roster.registration.metadata.version=1.4.2", "roster.session-timeout=2s");
         ConfigurableApplicationContext second = Apps.start(zkProperty, "spring.application.name=payments",
             "app.instance=second", "roster.session-timeout=2s", "roster.registration.drain-grace=0s");
         ConfigurableApplicationContext orders = Apps.start(zkProperty, "spring.application.name=orders",
             "roster.session-timeout=2s", "roster.registration.drain-grace=0s")) {
      payments.whenReady().join();
      await().atMost(Duration.ofSeconds(10)).until(() -> payments.instances().size() == 2);
      ServiceInstance firstInstance = payments.instances().stream()
          .filter(i -> i.port() == Apps.port(first)).findFirst().orElseThrow();
      assertThat(firstInstance.address()).isEqualTo("127.0.0.1");
      assertThat(firstInstance.zone()).isEqualTo("z1");
      assertThat(firstInstance.metadata()).containsEntry("version", "1.4.2");

      // The caller's DiscoveryClient sees both, with Spring Cloud Zookeeper's metadata keys.
      DiscoveryClient discovery = orders.getBean(DiscoveryClient.class);
      List<org.springframework.cloud.client.ServiceInstance> seen = discovery.getInstances("payments");
      assertThat(seen).hasSize(2);
      assertThat(seen).anySatisfy(i -> {
        assertThat(i.getPort()).isEqualTo(Apps.port(first));
        assertThat(i.getHost()).isEqualTo("127.0.0.1");
        assertThat(i.getUri().toString()).isEqualTo("http://127.0.0.1:" + Apps.port(first));
        assertThat(i.getMetadata()).containsEntry("zone", "z1").containsEntry("instance_status", "UP")
            .containsEntry("version", "1.4.2").containsEntry("weight", "100");
        assertThat(i.getInstanceId()).isEqualTo(firstInstance.id());
      });

      Set<String> answers = ConcurrentHashMap.newKeySet();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        answers.add(Apps.call(orders, "payments", "/hello"));
        assertThat(answers).containsExactlyInAnyOrder("hello from payments first", "hello from payments second");
      });

      // Closing the first: DRAINING while the grace runs, then gone; the caller only reaches the second.
      Set<ServiceInstance.Status> statuses = ConcurrentHashMap.newKeySet();
      payments.addListener(change -> change.updated().stream()
          .filter(i -> i.id().equals(firstInstance.id())).forEach(i -> statuses.add(i.status())));
      Thread closer = new Thread(first::close, "close-first");
      closer.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> statuses.contains(ServiceInstance.Status.DRAINING));
      assertThat(payments.instances()).extracting(ServiceInstance::id).contains(firstInstance.id());
      await().atMost(Duration.ofSeconds(5)).until(() -> discovery.getInstances("payments").size() == 1);
      for (int i = 0; i < 20; i++) {
        assertThat(Apps.call(orders, "payments", "/hello")).isEqualTo("hello from payments second");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> payments.instances().size() == 1);
      await().atMost(Duration.ofSeconds(15)).until(() -> !closer.isAlive());
      assertThat(payments.instances()).extracting(ServiceInstance::port).containsExactly(Apps.port(second));
    }
  }
}
