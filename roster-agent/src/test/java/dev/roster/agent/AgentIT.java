package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.ZooKeeperExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent's HTTP API through a real HTTP client, against a running agent on a real embedded
 * ZooKeeper. Each test uses services of its own, so they share one agent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SERVICES = new AtomicInteger();

  static Agent agent;
  static Roster library;
  static HttpClient http;

  @BeforeAll
  static void start() {
    agent = Agent.builder().connectString(zk.connectString()).port(0).keepAlive(Duration.ofMillis(300)).start();
    library = Roster.builder().connectString(zk.connectString()).build();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    agent.close();
    library.close();
  }

  static String newService() {
    return "svc-" + SERVICES.incrementAndGet();
  }

  static URI uri(String path) {
    return agent.uri().resolve(path);
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body);
    return http.send(HttpRequest.newBuilder(uri(path)).method(method, p).header("Content-Type", "application/json")
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> put(String service, String id, String body) throws Exception {
    return send("PUT", "/v1/services/" + service + "/instances/" + id, body);
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    return JSON.readTree(r.body());
  }

  static long index(String service) throws Exception {
    return json(get("/v1/services/" + service)).get("index").asLong();
  }

  @Test
  void servesTheDashboardPlaceholderAndItsFiles() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("Roster");
    HttpResponse<String> missing = get("/dashboard/no-such-file.js");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing).get("error").asText()).contains("no such file");
  }

  @Test
  void anHttpRegistrationIsSeenByALibraryViewAndGoesOnDelete() throws Exception {
    String service = newService();
    HttpResponse<String> created = put(service, "a1", """
        {"address":"10.0.0.5","port":8080,"sslPort":8443,"zone":"eu-1","weight":7,"status":"STARTING",
         "metadata":{"version":"1.2"}}""");
    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(json(created).get("instance").get("zone").asText()).isEqualTo("eu-1");

    try (ServiceView view = library.watch(service)) {
      view.whenReady().get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 1);
      ServiceInstance seen = view.instances().get(0);
      assertThat(seen.id()).isEqualTo("a1");
      assertThat(seen.address()).isEqualTo("10.0.0.5");
      assertThat(seen.port()).isEqualTo(8080);
      assertThat(seen.sslPort()).isEqualTo(8443);
      assertThat(seen.zone()).isEqualTo("eu-1");
      assertThat(seen.weight()).isEqualTo(7);
      assertThat(seen.status()).isEqualTo(ServiceInstance.Status.STARTING);
      assertThat(seen.metadata()).containsEntry("version", "1.2");

      await().atMost(Duration.ofSeconds(5)).until(() -> json(get("/v1/services/" + service)).get("instances").size() == 1);
      HttpResponse<String> one = get("/v1/services/" + service);
      JsonNode body = json(one);
      assertThat(body.get("service").asText()).isEqualTo(service);
      assertThat(one.headers().firstValue("X-Roster-Index")).hasValue(body.get("index").asText());
      JsonNode instance = body.get("instances").get(0);
      assertThat(instance.get("id").asText()).isEqualTo("a1");
      assertThat(instance.get("sslPort").asInt()).isEqualTo(8443);
      assertThat(instance.get("status").asText()).isEqualTo("STARTING");
      assertThat(instance.get("registeredAt").asText()).endsWith("Z");

      JsonNode list = json(get("/v1/services")).get("services");
      assertThat(list.findValues("name").stream().map(JsonNode::asText)).contains(service);
      for (JsonNode s : list) {
        if (s.get("name").asText().equals(service)) {
          assertThat(s.get("instances").asInt()).isEqualTo(1);
        }
      }

      HttpResponse<String> deleted = send("DELETE", "/v1/services/" + service + "/instances/a1", null);
      assertThat(deleted.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().isEmpty());
      HttpResponse<String> again = send("DELETE", "/v1/services/" + service + "/instances/a1", null);
      assertThat(again.statusCode()).isEqualTo(404);
      assertThat(json(again).get("field").asText()).isEqualTo("instance id");
    }
  }

  @Test
  void aLibraryRegistrationIsSeenOverHttp() throws Exception {
    String service = newService();
    assertThat(get("/v1/services/" + service).statusCode()).isEqualTo(200);
    assertThat(json(get("/v1/services/" + service)).get("instances")).isEmpty();
    try (Registration r = library.register(ServiceInstance.builder(service).id("lib-1").address("127.0.0.1")
        .port(9000).build())) {
      await().atMost(Duration.ofSeconds(5))
          .until(() -> json(get("/v1/services/" + service)).get("instances").size() == 1);
      assertThat(json(get("/v1/services/" + service)).get("instances").get(0).get("sslPort").isNull()).isTrue();
    }
  }

  @Test
  void anUpdateKeepsTheRegistrationAndMovesTheIndexOnce() throws Exception {
    String service = newService();
    put(service, "u1", "{\"address\":\"127.0.0.1\",\"port\":8000}");
    await().atMost(Duration.ofSeconds(5)).until(() -> json(get("/v1/services/" + service)).get("instances").size() == 1);
    long before = index(service);
    assertThat(put(service, "u1", "{\"address\":\"127.0.0.1\",\"port\":8001}").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> index(service) == before + 1);
    assertThat(json(get("/v1/services/" + service)).get("instances").get(0).get("port").asInt()).isEqualTo(8001);
    send("DELETE", "/v1/services/" + service + "/instances/u1", null);
  }

  @Test
  void everyErrorIsJsonWithTheLibrarysFieldWord() throws Exception {
    String service = newService();
    assertError(put(service, "e1", "{\"address\":"), 400, "body");
    assertError(put(service, "e1", "[1,2]"), 400, "body");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":0}"), 400, "port");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":70000}"), 400, "port");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":80,\"sslPort\":70000}"), 400, "ssl port");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":\"x\"}"), 400, "port");
    assertError(put(service, "e1", "{\"address\":\"has space\",\"port\":80}"), 400, "address");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":80,\"weight\":-1}"), 400, "weight");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":80,\"status\":\"SLEEPY\"}"), 400, "status");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":80,\"ttl\":\"soon\"}"), 400, "ttl");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":80,\"metadata\":{\"zone\":\"x\"}}"), 400,
        "metadata key");
    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":80,\"colour\":\"red\"}"), 400, "colour");
    assertError(put("bad%20name", "e1", "{\"address\":\"127.0.0.1\",\"port\":80}"), 400, "service name");
    assertError(put(service, "bad%20id", "{\"address\":\"127.0.0.1\",\"port\":80}"), 400, "instance id");
    assertError(get("/v1/services/" + service + "?index=minus"), 400, "index");
    assertError(get("/v1/services/" + service + "?index=1&wait=forever"), 400, "wait");

    assertError(put(service, "e1", "{\"address\":\"127.0.0.1\",\"port\":80,\"metadata\":{\"k\":\""
        + "x".repeat(70_000) + "\"}}"), 413, "body");

    assertError(send("POST", "/v1/services/" + service, "{}"), 405, null);
    assertError(send("DELETE", "/v1/services", null), 405, null);
    assertError(send("GET", "/v1/services/" + service + "/instances/e1/heartbeat", null), 405, null);
    assertError(get("/v1/nothing"), 404, null);
    assertError(send("PUT", "/v1/services/" + service + "/instances/nobody/heartbeat", null), 404, "instance id");

    // Held by another session: the library's Roster registered it first.
    try (Registration r = library.register(ServiceInstance.builder(service).id("taken").address("127.0.0.1")
        .port(9000).build())) {
      assertError(put(service, "taken", "{\"address\":\"127.0.0.1\",\"port\":80}"), 409, "instance id");
    }
    // Nothing invalid reached ZooKeeper.
    assertThat(json(get("/v1/services/" + service)).get("instances").findValues("id")).isEmpty();
  }

  private static void assertError(HttpResponse<String> r, int status, String field) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode body = json(r);
    assertThat(body.get("error").asText()).isNotBlank();
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    if (field == null) {
      assertThat(body.get("field").isNull()).as(r.body()).isTrue();
    } else {
      assertThat(body.get("field").asText()).as(r.body()).isEqualTo(field);
    }
  }

  @Test
  void aBlockingQueryReturnsWhenItsServiceChangesAndNotBefore() throws Exception {
    String service = newService();
    String other = newService();
    long start = index(service);
    index(other);
    CompletableFuture<HttpResponse<String>> blocked = http.sendAsync(
        HttpRequest.newBuilder(uri("/v1/services/" + service + "?index=" + start + "&wait=20s")).build(),
        HttpResponse.BodyHandlers.ofString());

    // Another service's change moves its own index, and wakes nobody here.
    long otherBefore = index(other);
    put(other, "o1", "{\"address\":\"127.0.0.1\",\"port\":81}");
    await().atMost(Duration.ofSeconds(5)).until(() -> index(other) > otherBefore);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !blocked.isDone());
    assertThat(index(service)).isEqualTo(start);

    long t0 = System.nanoTime();
    put(service, "b1", "{\"address\":\"127.0.0.1\",\"port\":80}");
    HttpResponse<String> r = blocked.get(5, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.get("index").asLong()).isGreaterThan(start);
    assertThat(body.get("instances").findValues("id").stream().map(JsonNode::asText)).containsExactly("b1");
    assertThat(r.headers().firstValue("X-Roster-Index")).hasValue(body.get("index").asText());
  }

  @Test
  void aBlockingQueryAnswersAtTheEndOfItsWaitWhenNothingChanges() throws Exception {
    String service = newService();
    long start = index(service);
    long t0 = System.nanoTime();
    HttpResponse<String> r = get("/v1/services/" + service + "?index=" + start + "&wait=1s");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("index").asLong()).isEqualTo(start);
    // The wait, plus at most wait/16 of spread, plus a little for the round trip.
    assertThat(took).isBetween(Duration.ofMillis(950), Duration.ofMillis(1062 + 1500));
  }

  @Test
  void anIndexFromAnotherLifeIsAnsweredAtOnce() throws Exception {
    String service = newService();
    long now = index(service);
    long t0 = System.nanoTime();
    HttpResponse<String> r = get("/v1/services/" + service + "?index=" + (now + 1000) + "&wait=10s");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    assertThat(json(r).get("index").asLong()).isEqualTo(now);
  }

  @Test
  void eventsArriveInOrderAndResumeFromLastEventId() throws Exception {
    String service = newService();
    URI events = uri("/v1/services/" + service + "/events");
    String addedId;
    try (Sse sse = Sse.open(http, events, null)) {
      assertThat(sse.response.statusCode()).isEqualTo(200);
      assertThat(sse.response.headers().firstValue("Content-Type")).hasValueSatisfying(
          t -> assertThat(t).startsWith("text/event-stream"));
      Sse.Event snapshot = sse.next(Duration.ofSeconds(5));
      assertThat(snapshot.type()).isEqualTo("snapshot");
      assertThat(JSON.readTree(snapshot.data()).get("instances")).isEmpty();

      put(service, "s1", "{\"address\":\"127.0.0.1\",\"port\":80}");
      Sse.Event added = sse.next(Duration.ofSeconds(5));
      assertThat(added.type()).isEqualTo("added");
      assertThat(JSON.readTree(added.data()).get("instance").get("id").asText()).isEqualTo("s1");
      addedId = added.id();

      put(service, "s1", "{\"address\":\"127.0.0.1\",\"port\":81}");
      Sse.Event updated = sse.next(Duration.ofSeconds(5));
      assertThat(updated.type()).isEqualTo("updated");
      JsonNode u = JSON.readTree(updated.data());
      assertThat(u.get("instance").get("port").asInt()).isEqualTo(81);
      assertThat(u.get("previous").get("port").asInt()).isEqualTo(80);
      assertThat(Long.parseLong(updated.id())).isEqualTo(Long.parseLong(addedId) + 1);

      send("DELETE", "/v1/services/" + service + "/instances/s1", null);
      Sse.Event removed = sse.next(Duration.ofSeconds(5));
      assertThat(removed.type()).isEqualTo("removed");
      assertThat(Long.parseLong(removed.id())).isEqualTo(Long.parseLong(addedId) + 2);
      assertThat(JSON.readTree(removed.data()).get("index").asLong()).isEqualTo(Long.parseLong(removed.id()));

      // An idle stream gets keep-alive comments (every 300 ms in this agent).
      Sse.Event comment = null;
      for (int i = 0; i < 10 && comment == null; i++) {
        Sse.Event e = sse.poll(Duration.ofSeconds(1));
        if (e != null && e.type() == null) {
          comment = e;
        }
      }
      assertThat(comment).isNotNull();
    }

    try (Sse resumed = Sse.open(http, events, addedId)) {
      assertThat(resumed.next(Duration.ofSeconds(5)).type()).isEqualTo("updated");
      assertThat(resumed.next(Duration.ofSeconds(5)).type()).isEqualTo("removed");
    }
    try (Sse unknown = Sse.open(http, events, "999999")) {
      assertThat(unknown.next(Duration.ofSeconds(5)).type()).isEqualTo("snapshot");
    }
  }

  @Test
  void aTtlRegistrationLivesOnHeartbeatsAndGoesWithoutThem() throws Exception {
    String service = newService();
    HttpResponse<String> r = put(service, "t1", "{\"address\":\"127.0.0.1\",\"port\":80,\"ttl\":\"1s\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("ttl").asText()).isEqualTo("1s");
    String heartbeat = "/v1/services/" + service + "/instances/t1/heartbeat";
    long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
    while (System.nanoTime() < until) {
      assertThat(send("PUT", heartbeat, null).statusCode()).isEqualTo(200);
      assertThat(json(get("/v1/services/" + service)).get("instances")).hasSize(1);
      TimeUnit.MILLISECONDS.sleep(250); // the client's heartbeat period, not a wait for a condition
    }
    await().atMost(Duration.ofSeconds(5))
        .until(() -> json(get("/v1/services/" + service)).get("instances").isEmpty());
    assertThat(send("PUT", heartbeat, null).statusCode()).isEqualTo(404);
    assertThat(get("/metrics").body()).contains("roster_agent_ttl_expirations_total{service=\"" + service + "\"} 1.0");
    // A client that re-registers on 404 gets it back.
    assertThat(put(service, "t1", "{\"address\":\"127.0.0.1\",\"port\":80,\"ttl\":\"1s\"}").statusCode()).isEqualTo(200);
    send("DELETE", "/v1/services/" + service + "/instances/t1", null);
  }

  @Test
  void whatJettyRejectsIsJsonToo() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", agent.port())) {
      socket.getOutputStream().write("GET /v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 400").contains("application/json").contains("\"error\"")
          .doesNotContain("Exception").doesNotContain("<html");
    }
  }

  @Test
  void healthAndMetrics() throws Exception {
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(json(health).get("status").asText()).isEqualTo("connected");
    assertError(send("POST", "/health", "{}"), 405, null);

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    // Requests are counted as their exchange completes, just after the client has the answer.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(get("/metrics").body())
        .contains("roster_zk_connected 1.0")
        .contains("roster_build_info{version=")
        .contains("roster_agent_http_requests_total{code=\"200\",route=\"health\"}")
        .contains("roster_agent_http_requests_total{code=\"405\",route=\"health\"}")
        .contains("roster_agent_blocking_queries")
        .contains("roster_agent_sse_streams")
        .contains("roster_view_updates_total"));
  }
}
