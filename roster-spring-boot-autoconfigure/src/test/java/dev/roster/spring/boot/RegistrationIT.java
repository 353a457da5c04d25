package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The application's own registration: a separate management server's port in the metadata,
 * an instance id from the properties, and status changes through the ServiceRegistry.
 */
class RegistrationIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  @SuppressWarnings("try")
  void registersManagementPortAndFollowsStatusChanges() {
    try (Roster observer = Roster.builder().connectString(zk.connectString()).build();
         ServiceView view = observer.watch("payments");
         ConfigurableApplicationContext app = Apps.start("spring.application.name=payments",
             "roster.connect-string=" + zk.connectString(), "roster.registration.instance-id=payments-1",
             "roster.registration.weight=70", "roster.registration.drain-grace=0s",
             "management.server.port=0", "management.server.address=127.0.0.1")) {
      int managementPort = managementPort(app);
      assertThat(managementPort).isNotEqualTo(Apps.port(app));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(view.instances()).singleElement()
          .satisfies(i -> {
            assertThat(i.id()).isEqualTo("payments-1");
            assertThat(i.port()).isEqualTo(Apps.port(app));
            assertThat(i.weight()).isEqualTo(70);
            assertThat(i.metadata()).containsEntry("management.port", Integer.toString(managementPort));
          }));

      RosterServiceRegistry registry = app.getBean(RosterServiceRegistry.class);
      RosterRegistration registration = app.getBean(RosterAutoServiceRegistration.class).registration();
      assertThat(registry.<String>getStatus(registration)).isEqualTo("UP");
      registry.setStatus(registration, "out-of-service");
      await().atMost(Duration.ofSeconds(5)).until(() ->
          view.instances().get(0).status() == ServiceInstance.Status.OUT_OF_SERVICE);
      registry.setStatus(registration, "UP");
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().get(0).isUp());
      // Closing the context deregisters (twice closed by the try: close() is idempotent).
      app.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().isEmpty());
    }
  }

  private static int managementPort(ConfigurableApplicationContext app) {
    for (ApplicationContext child : app.getBeansOfType(ApplicationContext.class).values()) {
      if (child != app && child instanceof WebServerApplicationContext web) {
        return web.getWebServer().getPort();
      }
    }
    // The management context is a child: found through the registration's metadata otherwise.
    return Integer.parseInt(app.getBean(RosterAutoServiceRegistration.class).registration().getMetadata()
        .get("management.port"));
  }
}
