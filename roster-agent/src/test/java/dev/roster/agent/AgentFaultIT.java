package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.testing.ZooKeeperExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The agent when ZooKeeper goes away, when clients are slow, and when many wait at once. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentFaultIT {
  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(Agent agent, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(agent.uri().resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> put(Agent agent, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(agent.uri().resolve(path)).PUT(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthIs503WhileZooKeeperIsDownAndStreamsSayStaleThenFresh(EmbeddedZooKeeper server) throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).start()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> get(agent, "/health").statusCode() == 200);
      put(agent, "/v1/services/pay/instances/p1", "{\"address\":\"127.0.0.1\",\"port\":80}");
      try (Sse sse = Sse.open(http, agent.uri().resolve("/v1/services/pay/events"), null)) {
        assertThat(sse.next(Duration.ofSeconds(5)).type()).isEqualTo("snapshot");

        server.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> get(agent, "/health").statusCode() == 503);
        assertThat(JSON.readTree(get(agent, "/health").body()).get("status").asText()).isEqualTo("disconnected");
        Sse.Event stale = sse.next(Duration.ofSeconds(10));
        assertThat(stale.type()).isEqualTo("stale");
        // The last list is still served while stale.
        assertThat(JSON.readTree(get(agent, "/v1/services/pay").body()).get("instances")).hasSize(1);

        server.restart();
        await().atMost(Duration.ofSeconds(15)).until(() -> get(agent, "/health").statusCode() == 200);
        assertThat(JSON.readTree(get(agent, "/health").body()).get("status").asText()).isEqualTo("connected");
        assertThat(sse.next(Duration.ofSeconds(10)).type()).isEqualTo("fresh");
      }
    }
  }

  @Test
  void parkedQueriesHoldNoThreadAndOutliveTheIdleTimeout(EmbeddedZooKeeper server) throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).maxThreads(8)
        .idleTimeout(Duration.ofMillis(500)).start()) {
      long index = JSON.readTree(get(agent, "/v1/services/parked").body()).get("index").asLong();
      List<CompletableFuture<HttpResponse<String>>> parked = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        parked.add(http.sendAsync(HttpRequest.newBuilder(agent.uri().resolve(
            "/v1/services/parked?index=" + index + "&wait=2s")).build(), HttpResponse.BodyHandlers.ofString()));
      }
      await().atMost(Duration.ofSeconds(10)).until(
          () -> get(agent, "/metrics").body().contains("roster_agent_blocking_queries 40.0"));
      // Forty parked on eight threads, and the agent still answers at once.
      assertThat(get(agent, "/health").statusCode()).isEqualTo(200);
      for (CompletableFuture<HttpResponse<String>> f : parked) {
        HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("index").asLong()).isEqualTo(index);
      }
    }
  }

  @Test
  void aSubscriberTooSlowToReadIsDroppedAndCounted(EmbeddedZooKeeper server) throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).maxQueuedEvents(4).start();
        Socket slow = new Socket()) {
      put(agent, "/v1/services/big/instances/b1", "{\"address\":\"127.0.0.1\",\"port\":80}");
      slow.setReceiveBufferSize(4096);
      slow.connect(new InetSocketAddress("127.0.0.1", agent.port()));
      OutputStream out = slow.getOutputStream();
      out.write(("GET /v1/services/big/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = slow.getInputStream();
      assertThat(in.read()).isEqualTo('H'); // the stream has started; from here on nothing is read
      await().atMost(Duration.ofSeconds(5)).until(() -> get(agent, "/metrics").body().contains("roster_agent_sse_streams 1.0"));
      String filler = "x".repeat(30_000);
      for (int i = 0; i < 200 && !get(agent, "/metrics").body().contains("roster_agent_sse_dropped_total{reason=\"slow\"} 1.0"); i++) {
        put(agent, "/v1/services/big/instances/b1",
            "{\"address\":\"127.0.0.1\",\"port\":80,\"metadata\":{\"n\":\"" + i + "\",\"f\":\"" + filler + "\"}}");
      }
      assertThat(get(agent, "/metrics").body())
          .contains("roster_agent_sse_dropped_total{reason=\"slow\"} 1.0")
          .contains("roster_agent_sse_streams 0.0");
    }
  }
}
