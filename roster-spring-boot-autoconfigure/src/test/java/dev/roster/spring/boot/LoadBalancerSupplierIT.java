package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;

/**
 * The load balancer's candidates are pushed on each change of the view: non-UP instances left
 * out, the caller's zone preferred while any UP instance is there, every UP one otherwise.
 */
class LoadBalancerSupplierIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void pushesEveryChangePreferringTheLocalZone() {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build();
         Roster caller = Roster.builder().connectString(zk.connectString()).build();
         RosterServiceViews views = new RosterServiceViews(caller, Duration.ofSeconds(5), Duration.ofSeconds(5), true)) {
      Registration a = servers.register(instance("a", "z1", ServiceInstance.Status.UP));
      Registration b = servers.register(instance("b", "z2", ServiceInstance.Status.UP));
      Registration c = servers.register(instance("c", "z1", ServiceInstance.Status.STARTING));

      RosterServiceInstanceListSupplier supplier = new RosterServiceInstanceListSupplier(views, "payments", "z1");
      assertThat(supplier.getServiceId()).isEqualTo("payments");
      List<List<String>> emitted = new CopyOnWriteArrayList<>();
      Disposable subscription = supplier.get().subscribe(list -> emitted.add(
          list.stream().map(org.springframework.cloud.client.ServiceInstance::getInstanceId).toList()));
      await().atMost(Duration.ofSeconds(5)).until(() -> !emitted.isEmpty());
      assertThat(emitted.get(emitted.size() - 1)).containsExactly("a");

      Registration d = servers.register(instance("d", "z1", ServiceInstance.Status.UP));
      await().atMost(Duration.ofSeconds(5)).until(() -> emitted.get(emitted.size() - 1).equals(List.of("a", "d")));

      // No UP instance left in z1 (c is STARTING): every UP instance, wherever it is.
      a.close();
      d.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> emitted.get(emitted.size() - 1).equals(List.of("b")));

      // A late subscriber gets the latest list at once.
      assertThat(supplier.get().blockFirst(Duration.ofSeconds(1)))
          .extracting(org.springframework.cloud.client.ServiceInstance::getInstanceId).containsExactly("b");
      subscription.dispose();
      supplier.destroy();
      b.close();
      c.close();
    }
  }

  @Test
  void aServiceWithoutInstancesAnswersAnEmptyListAtOnce() {
    try (Roster caller = Roster.builder().connectString(zk.connectString()).build();
         RosterServiceViews views = new RosterServiceViews(caller, Duration.ofSeconds(5), Duration.ofSeconds(5), true)) {
      RosterServiceInstanceListSupplier supplier = new RosterServiceInstanceListSupplier(views, "nobody", null);
      assertThat(supplier.get().blockFirst(Duration.ofSeconds(5))).isEmpty();
      supplier.destroy();
    }
  }

  private static ServiceInstance instance(String id, String zone, ServiceInstance.Status status) {
    return ServiceInstance.builder("payments").id(id).address("127.0.0.1").port(8000 + id.charAt(0)).zone(zone)
        .status(status).build();
  }
}
