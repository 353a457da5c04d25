package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code /actuator/health} reports Roster's component DOWN while ZooKeeper is unreachable (cut
 * through a fault proxy, so views go stale) and UP after; {@code /actuator/prometheus} has the
 * {@code roster_*} meters.
 */
class HealthAndMetricsIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void healthFollowsTheConnectionAndMetersAreExported() {
    try (FaultProxy proxy = FaultProxy.start(zk.connectString());
         ConfigurableApplicationContext app = Apps.start("spring.application.name=payments",
             "roster.connect-string=" + proxy.connectString(), "roster.session-timeout=2s",
             "roster.connection-timeout=2s", "roster.registration.drain-grace=0s",
             "management.endpoints.web.exposure.include=health,prometheus",
             "management.endpoint.health.show-details=always")) {
      // Opens a view, whose staleness health reports.
      assertThat(app.getBean(DiscoveryClient.class).getInstances("payments")).hasSize(1);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        HttpResponse<String> health = Apps.get(app, "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode roster = roster(health);
        assertThat(roster.path("status").asText()).isEqualTo("UP");
        assertThat(roster.path("details").path("connected").asBoolean()).isTrue();
        assertThat(roster.path("details").path("registrations").asInt()).isEqualTo(1);
      });

      proxy.blackhole();
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        HttpResponse<String> health = Apps.get(app, "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(503);
        JsonNode roster = roster(health);
        assertThat(roster.path("status").asText()).isEqualTo("DOWN");
        assertThat(roster.path("details").path("connected").asBoolean()).isFalse();
        assertThat(roster.path("details").path("staleViews").toString()).isEqualTo("[\"payments\"]");
      });

      proxy.pass();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        HttpResponse<String> health = Apps.get(app, "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode roster = roster(health);
        assertThat(roster.path("status").asText()).isEqualTo("UP");
        assertThat(roster.path("details").path("staleViews").size()).isZero();
      });

      HttpResponse<String> prometheus = Apps.get(app, "/actuator/prometheus");
      assertThat(prometheus.statusCode()).isEqualTo(200);
      assertThat(prometheus.body()).contains("roster_zk_connected 1.0").contains("roster_registrations{service=\"payments\"} 1.0")
          .contains("roster_build_info");
    }
  }

  private static JsonNode roster(HttpResponse<String> health) throws Exception {
    return new ObjectMapper().readTree(health.body()).path("components").path("roster");
  }
}
