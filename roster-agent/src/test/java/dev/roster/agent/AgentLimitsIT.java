package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.testing.ZooKeeperExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the agent keeps for names clients ask about is bounded: idle services are let go, at
 * most a set number are watched, and an index never goes backwards across either.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentLimitsIT {
  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(Agent agent, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(agent.uri().resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode service(Agent agent, String name) throws Exception {
    HttpResponse<String> r = get(agent, "/v1/services/" + name);
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private String metrics(Agent agent) throws Exception {
    return get(agent, "/metrics").body();
  }

  private static String gaugeOf(String service) {
    return "roster_instances{service=\"" + service + "\",status=\"UP\"}";
  }

  @Test
  void aServiceNobodyAsksAboutIsLetGoAndItsIndexGoesOnWhenAskedAgain(EmbeddedZooKeeper server) throws Exception {
    try (Roster library = Roster.builder().connectString(server.connectString()).build();
        Registration r = library.register(ServiceInstance.builder("idle").id("i1").address("127.0.0.1").port(80).build());
        Agent agent = Agent.builder().connectString(server.connectString()).port(0)
            .serviceIdleTimeout(Duration.ofSeconds(1)).start()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> service(agent, "idle").get("instances").size() == 1);
      long before = service(agent, "idle").get("index").asLong();
      assertThat(metrics(agent)).contains(gaugeOf("idle") + " 1.0").contains("roster_agent_watched_services 1.0");

      // /metrics reads no service, so from here on nobody asks about it.
      await().atMost(Duration.ofSeconds(10)).until(() -> metrics(agent).contains("roster_agent_watched_services 0.0"));
      assertThat(metrics(agent)).doesNotContain(gaugeOf("idle"));

      await().atMost(Duration.ofSeconds(10)).until(() -> service(agent, "idle").get("instances").size() == 1);
      JsonNode again = service(agent, "idle");
      assertThat(again.get("index").asLong()).isGreaterThan(before);
      // An event id from before the service was let go cannot be replayed: a snapshot comes.
      try (Sse sse = Sse.open(http, agent.uri().resolve("/v1/services/idle/events"), Long.toString(before))) {
        Sse.Event e = sse.next(Duration.ofSeconds(5));
        assertThat(e.type()).isEqualTo("snapshot");
        assertThat(Long.parseLong(e.id())).isGreaterThan(before);
      }
    }
  }

  @Test
  void aServiceWithAnOpenStreamIsKeptPastTheIdleTime(EmbeddedZooKeeper server) throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .serviceIdleTimeout(Duration.ofSeconds(1)).start();
        Sse sse = Sse.open(http, agent.uri().resolve("/v1/services/kept/events"), null)) {
      assertThat(sse.next(Duration.ofSeconds(5)).type()).isEqualTo("snapshot");
      // Proving that something does not happen: three sweeps pass, and the stream's service stays.
      Thread.sleep(3_000);
      assertThat(metrics(agent)).contains("roster_agent_watched_services 1.0");
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(agent.uri().resolve("/v1/services/kept/instances/k1"))
          .PUT(HttpRequest.BodyPublishers.ofString("{\"address\":\"127.0.0.1\",\"port\":80}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(200);
      assertThat(sse.next(Duration.ofSeconds(5)).type()).isEqualTo("added");
    }
  }

  @Test
  void atTheLimitTheLeastRecentlyUsedIdleServiceMakesRoomAndBusyOnesAreNotTaken(EmbeddedZooKeeper server)
      throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).maxWatchedServices(2)
        .keepAlive(Duration.ofMillis(300)).start()) {
      service(agent, "a");
      service(agent, "b");
      service(agent, "c");
      String m = metrics(agent);
      assertThat(m).contains("roster_agent_watched_services 2.0").contains(gaugeOf("b")).contains(gaugeOf("c"))
          .doesNotContain(gaugeOf("a"));

      URI bEvents = agent.uri().resolve("/v1/services/b/events");
      URI cEvents = agent.uri().resolve("/v1/services/c/events");
      try (Sse b = Sse.open(http, bEvents, null); Sse c = Sse.open(http, cEvents, null)) {
        assertThat(b.next(Duration.ofSeconds(5)).type()).isEqualTo("snapshot");
        assertThat(c.next(Duration.ofSeconds(5)).type()).isEqualTo("snapshot");
        HttpResponse<String> refused = get(agent, "/v1/services/d");
        assertThat(refused.statusCode()).isEqualTo(503);
        JsonNode error = JSON.readTree(refused.body());
        assertThat(error.get("error").asText()).contains("watches 2 services, its limit");
        assertThat(error.get("field").isNull()).isTrue();
        // The services in use are untouched.
        assertThat(service(agent, "b").get("index").asLong()).isPositive();
      }
      // The agent learns that a client left when a keep-alive to it fails, hence the short interval.
      await().atMost(Duration.ofSeconds(10)).until(() -> metrics(agent).contains("roster_agent_sse_streams 0.0"));
      assertThat(get(agent, "/v1/services/d").statusCode()).isEqualTo(200);
      assertThat(metrics(agent)).contains("roster_agent_watched_services 2.0");
    }
  }
}
