package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.Roster;
import dev.roster.ServiceView;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.security.Authentication;
import dev.roster.testing.ZooKeeperExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The agent's defences through real HTTP against a real ZooKeeper: bearer tokens for writes
 * and reads, the refusal to listen beyond loopback without one, CORS only for named origins,
 * capped bodies and heads, and slow senders cut off while slow answers (blocking queries,
 * event streams) are not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentSecurityIT {
  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WRITE = "w-3f9c2a7d41e8b6055c1d9e7a2b4f6c80";
  private static final String READ = "r-8d1e4b7c2a9f60355e7c1b9d4a2f6e13";
  private static final String INSTANCE = "{\"address\":\"127.0.0.1\",\"port\":8080}";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** Every answer the tests got, to prove no token is in any of them. */
  private final List<HttpResponse<String>> answers = new ArrayList<>();

  private HttpResponse<String> send(Agent agent, String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(agent.uri().resolve(path)).timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    answers.add(r);
    return r;
  }

  private HttpResponse<String> get(Agent agent, String path, String... headers) throws Exception {
    return send(agent, "GET", path, null, headers);
  }

  private HttpResponse<String> put(Agent agent, String path, String... headers) throws Exception {
    return send(agent, "PUT", path, INSTANCE, headers);
  }

  private static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  private static void assertRefused(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        v -> assertThat(v).startsWith("Bearer realm=\"roster\""));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("error").asText()).isNotBlank();
    assertThat(body.get("field").asText()).isEqualTo("authorization");
  }

  private void assertNoTokenIn(String where, String text) {
    for (String token : List.of(WRITE, READ, WRITE.substring(2, 18), READ.substring(2, 18))) {
      assertThat(text).as(where).doesNotContain(token);
    }
  }

  private void assertNoTokenInAnswers() {
    for (HttpResponse<String> r : answers) {
      assertNoTokenIn("body of " + r.request().method() + " " + r.uri(), r.body());
      assertNoTokenIn("headers of " + r.request().method() + " " + r.uri(), headersOf(r.headers()));
    }
  }

  private static String headersOf(HttpHeaders headers) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, List<String>> e : headers.map().entrySet()) {
      text.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    return text.toString();
  }

  @Test
  void writesNeedTheWriteTokenAndNoTokenIsLoggedOrAnswered(EmbeddedZooKeeper server) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    // slf4j-simple writes to whatever System.err is at each line: a tee catches every line.
    System.setErr(new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .writeToken(WRITE.toCharArray()).start()) {
      String path = "/v1/services/secured/instances/s1";
      assertRefused(put(agent, path), 401);
      assertRefused(put(agent, path, bearer(WRITE + "x")), 401);
      assertRefused(put(agent, path, bearer(WRITE.substring(0, WRITE.length() - 1))), 401);
      assertRefused(put(agent, path, "Authorization", "Basic " + WRITE), 401);
      assertRefused(send(agent, "DELETE", path, null), 401);
      assertRefused(send(agent, "PUT", path + "/heartbeat", null), 401);
      assertThat(JSON.readTree(put(agent, path, "Authorization", "Bearer").body()).get("error").asText())
          .contains("missing");
      assertThat(get(agent, "/v1/services/secured").body()).doesNotContain("s1");

      HttpResponse<String> ok = put(agent, path, bearer(WRITE));
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(put(agent, path, "Authorization", "bearer  " + WRITE + " ").statusCode()).isEqualTo(200);
      // Reads stay open without a read token.
      await().atMost(Duration.ofSeconds(5)).until(
          () -> JSON.readTree(get(agent, "/v1/services/secured").body()).get("instances").size() == 1);
      assertThat(get(agent, "/metrics").statusCode()).isEqualTo(200);
      assertThat(send(agent, "DELETE", path, null, bearer(WRITE)).statusCode()).isEqualTo(200);

      assertThat(agent.toString()).contains("writes need a token");
      assertNoTokenIn("Agent.toString()", agent.toString());
      LoggerFactory.getLogger(AgentSecurityIT.class).warn("capture check");
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    // The capture saw the agent's own lines (its start at INFO), so their absence of tokens means something.
    assertThat(log).contains("capture check").contains("the agent listens at").contains("writes need a token");
    assertNoTokenIn("the log", log);
    assertNoTokenInAnswers();
  }

  @Test
  void readsNeedTheReadOrTheWriteTokenAndHealthAndTheDashboardPageStayOpen(EmbeddedZooKeeper server)
      throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .writeToken(WRITE.toCharArray()).readToken(READ.toCharArray()).start()) {
      for (String path : List.of("/v1/services", "/v1/services/pay", "/v1/services/pay?index=0&wait=1s",
          "/v1/services/pay/events", "/metrics", "/v1/nothing")) {
        assertRefused(get(agent, path), 401);
        assertRefused(get(agent, path, bearer(READ + "0")), 401);
      }
      HttpResponse<String> head = send(agent, "HEAD", "/v1/services", null);
      assertThat(head.statusCode()).isEqualTo(401);
      assertThat(head.headers().firstValue("WWW-Authenticate")).isPresent();
      assertThat(get(agent, "/v1/services", bearer(READ)).statusCode()).isEqualTo(200);
      assertThat(get(agent, "/v1/services", bearer(WRITE)).statusCode()).isEqualTo(200);
      assertThat(get(agent, "/metrics", bearer(READ)).statusCode()).isEqualTo(200);

      // The read token cannot write.
      assertRefused(put(agent, "/v1/services/pay/instances/p1", bearer(READ)), 403);
      assertThat(put(agent, "/v1/services/pay/instances/p1", bearer(WRITE)).statusCode()).isEqualTo(200);

      // Probes need no token, and learn nothing but the state.
      await().atMost(Duration.ofSeconds(10)).until(() -> get(agent, "/health").statusCode() == 200);
      JsonNode health = JSON.readTree(get(agent, "/health").body());
      assertThat(health.get("status").asText()).isEqualTo("connected");
      assertThat(health.has("zookeeper")).isFalse();
      assertThat(JSON.readTree(get(agent, "/health", bearer(READ)).body()).get("zookeeper").asText())
          .isEqualTo(server.connectString());
      // The dashboard's page and files hold no data; the page asks for the token.
      HttpResponse<String> page = get(agent, "/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("token-form");
      assertThat(get(agent, "/dashboard/app.js").statusCode()).isEqualTo(200);

      // The event stream with the token in a header; never in the URL.
      assertRefused(get(agent, "/v1/services/pay/events?token=" + READ), 401);
      HttpRequest events = HttpRequest.newBuilder(agent.uri().resolve("/v1/services/pay/events"))
          .header("Authorization", "Bearer " + READ).build();
      HttpResponse<InputStream> stream = http.send(events, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = stream.body()) {
        assertThat(stream.statusCode()).isEqualTo(200);
        byte[] first = in.readNBytes("id: ".length());
        assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("id: ");
      }
    }
    assertNoTokenInAnswers();
  }

  @Test
  void tokensMustBeRealTokens() {
    assertThatThrownBy(() -> Agent.builder().writeToken("short".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("write token").hasMessageNotContaining("short");
    assertThatThrownBy(() -> Agent.builder().writeToken("has a space in it, sixteen+".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("space in it");
    assertThatThrownBy(() -> Agent.builder().connectString("127.0.0.1:1").readToken(READ.toCharArray()).check())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a write token");
    assertThatThrownBy(() -> Agent.builder().writeToken(WRITE.toCharArray()).readToken(WRITE.toCharArray()).check())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same as the write token")
        .hasMessageNotContaining(WRITE);
    char[] token = WRITE.toCharArray();
    Agent.builder().writeToken(token);
    assertThat(new String(token)).as("the caller's array, left for the caller to wipe").isEqualTo(WRITE);
  }

  @Test
  void beyondLoopbackWithoutATokenItRefusesBeforeBindingAnything() {
    for (String host : List.of("0.0.0.0", "::", "")) {
      // Refused before its Roster is built or anything binds: a connect string where nothing listens
      // would otherwise leave a Roster retrying.
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> Agent.builder().connectString("127.0.0.1:1").host(host).port(0).start())
          .as("host '%s'", host)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("beyond loopback")
          .hasMessageContaining("--token-file")
          .hasMessageContaining("--insecure-http");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }
    // With a token, or insecure on purpose, the same settings pass the check (not started here:
    // tests bind loopback only).
    Agent.builder().host("0.0.0.0").writeToken(WRITE.toCharArray()).check();
    Agent.builder().host("0.0.0.0").insecure(true).check();
    Agent.builder().host("localhost").check();
    Agent.builder().host("127.0.0.1").check();
    Agent.builder().host("::1").check();
  }

  @Test
  void noCorsHeadersUnlessAnOriginIsNamedAndThenOnlyForIt(EmbeddedZooKeeper server) throws Exception {
    String[] evil = {"Origin", "https://evil.example"};
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).start()) {
      HttpResponse<String> r = get(agent, "/v1/services", evil);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
      HttpResponse<String> preflight = send(agent, "OPTIONS", "/v1/services/x/instances/y", null,
          "Origin", "https://evil.example", "Access-Control-Request-Method", "PUT");
      assertThat(preflight.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));
      assertThat(preflight.statusCode()).isEqualTo(405);
    }
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .corsOrigin("https://Ops.example.com").corsOrigin("http://localhost:3000")
        .writeToken(WRITE.toCharArray()).start()) {
      HttpResponse<String> preflight = send(agent, "OPTIONS", "/v1/services/x/instances/y", null,
          "Origin", "https://ops.example.com", "Access-Control-Request-Method", "PUT",
          "Access-Control-Request-Headers", "authorization, content-type");
      assertThat(preflight.statusCode()).isEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://ops.example.com");
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(
          m -> assertThat(m).contains("PUT").contains("DELETE"));
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(
          h -> assertThat(h).contains("Authorization"));
      HttpResponse<String> r = get(agent, "/v1/services", "Origin", "http://localhost:3000");
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
      assertThat(r.headers().firstValue("Vary")).hasValue("Origin");
      // A refusal from a named origin carries the header, so the page can read why.
      HttpResponse<String> refused = put(agent, "/v1/services/x/instances/y", "Origin", "http://localhost:3000");
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
      // Another origin, or a look-alike, gets nothing.
      for (String other : List.of("https://evil.example", "https://ops.example.com.evil.example", "http://ops.example.com")) {
        HttpResponse<String> o = get(agent, "/v1/services", "Origin", other);
        assertThat(o.headers().firstValue("Access-Control-Allow-Origin")).as(other).isEmpty();
        HttpResponse<String> p = send(agent, "OPTIONS", "/v1/services", null, "Origin", other,
            "Access-Control-Request-Method", "GET");
        assertThat(p.headers().firstValue("Access-Control-Allow-Origin")).as(other).isEmpty();
      }
    }
    assertThatThrownBy(() -> Agent.builder().corsOrigin("*")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Agent.builder().corsOrigin("https://ops.example.com/app"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no path");
  }

  @Test
  void bodiesOver64KibAre413WithOrWithoutALength(EmbeddedZooKeeper server) throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).start()) {
      URI uri = agent.uri().resolve("/v1/services/big/instances/b1");
      byte[] tooBig = body(64 * 1024 + 1);
      HttpResponse<String> declared = http.send(HttpRequest.newBuilder(uri)
          .PUT(HttpRequest.BodyPublishers.ofByteArray(tooBig)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(declared.statusCode()).isEqualTo(413);
      assertThat(JSON.readTree(declared.body()).get("field").asText()).isEqualTo("body");
      // No length: the client sends it chunked, and the agent counts as it reads.
      HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri)
          .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooBig))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(chunked.statusCode()).isEqualTo(413);
      assertThat(JSON.readTree(chunked.body()).get("field").asText()).isEqualTo("body");
      HttpResponse<String> atTheLimit = http.send(HttpRequest.newBuilder(uri)
          .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body(64 * 1024)))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(atTheLimit.statusCode()).as(atTheLimit.body()).isNotEqualTo(413);
    }
  }

  @Test
  void aRefusedBodyIsReadToItsEndSoThe413ArrivesAndTheConnectionCarriesOn(EmbeddedZooKeeper server)
      throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).start()) {
      String tooBig = new String(body(70_000), StandardCharsets.US_ASCII);
      String next = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      // Each refused request is followed, on the same connection, by one the agent must still answer.
      String declared = raw(agent, "PUT /v1/services/big/instances/b1 HTTP/1.1\r\nHost: x\r\n"
          + "Content-Length: " + tooBig.length() + "\r\n\r\n" + tooBig + next);
      assertThat(declared).startsWith("HTTP/1.1 413").contains("\"field\":\"body\"").contains("HTTP/1.1 200");
      String chunked = raw(agent, "PUT /v1/services/big/instances/b1 HTTP/1.1\r\nHost: x\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(tooBig.length()) + "\r\n" + tooBig
          + "\r\n0\r\n\r\n" + next);
      assertThat(chunked).startsWith("HTTP/1.1 413").contains("\"field\":\"body\"").contains("HTTP/1.1 200");
      // A route that refuses before reading the body (405 here) reads what is left of it too.
      String notAllowed = raw(agent, "POST /v1/services/big HTTP/1.1\r\nHost: x\r\n"
          + "Content-Length: " + tooBig.length() + "\r\n\r\n" + tooBig + next);
      assertThat(notAllowed).startsWith("HTTP/1.1 405").contains("HTTP/1.1 200");
      // Too much to read only to drop: the answer comes at once, and closes the connection.
      String huge = raw(agent, "PUT /v1/services/big/instances/b1 HTTP/1.1\r\nHost: x\r\n"
          + "Content-Length: " + (2 * 1024 * 1024) + "\r\n\r\n");
      assertThat(huge).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close");
    }
    // Refused for want of a token: the body is read and dropped, never used, and the 401 arrives.
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .writeToken(WRITE.toCharArray()).start()) {
      String body = new String(body(60_000), StandardCharsets.US_ASCII);
      String refused = raw(agent, "PUT /v1/services/big/instances/b1 HTTP/1.1\r\nHost: x\r\n"
          + "Content-Length: " + body.length() + "\r\n\r\n" + body
          + "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(refused).startsWith("HTTP/1.1 401").contains("\"field\":\"authorization\"")
          .contains("HTTP/1.1 200");
      // Reads are open with only a write token: nothing of the refused body was registered.
      HttpResponse<String> big = get(agent, "/v1/services/big");
      assertThat(big.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(big.body()).get("instances")).isEmpty();
    }
  }

  /** A registration body of exactly {@code size} bytes, padded in a metadata value. */
  private static byte[] body(int size) {
    String head = "{\"address\":\"127.0.0.1\",\"port\":80,\"metadata\":{\"pad\":\"";
    String tail = "\"}}";
    return (head + "x".repeat(size - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void hugeHeadersAre431AndHugeUrisAre414(EmbeddedZooKeeper server) throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0).start()) {
      String big = raw(agent, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9 * 1024)
          + "\r\nConnection: close\r\n\r\n");
      assertThat(big).startsWith("HTTP/1.1 431").contains("application/json").contains("headers too large");
      String longUri = raw(agent, "GET /v1/services/" + "u".repeat(9 * 1024) + " HTTP/1.1\r\nHost: x\r\n"
          + "Connection: close\r\n\r\n");
      assertThat(longUri).startsWith("HTTP/1.1 414").contains("application/json");
      // Just under the limit is served.
      assertThat(raw(agent, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(6 * 1024)
          + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    }
  }

  private static String raw(Agent agent, String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", agent.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aClientThatTricklesItsRequestIsCutOffWithinTheRequestTimeout(EmbeddedZooKeeper server) throws Exception {
    // The idle timeout stays at its 30 s: a byte every 100 ms would keep that from ever firing.
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .requestTimeout(Duration.ofSeconds(1)).start()) {
      assertThat(trickle(agent, "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s".repeat(600)))
          .isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
      // A body trickled after a whole head is cut the same way.
      assertThat(trickle(agent, "PUT /v1/services/slow/instances/s1 HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"
          + "{\"address\":\"127.0.0.1\",\"port\":80,\"metadata\":{\"k\":\"" + "v".repeat(600)))
          .isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
      // The agent still answers everyone else.
      assertThat(get(agent, "/v1/services").statusCode()).isEqualTo(200);
    }
  }

  /** Sends the text a byte every 100 ms until the server closes; how long that took. */
  private static Duration trickle(Agent agent, String text) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", agent.port())) {
      socket.setSoTimeout(50);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      long t0 = System.nanoTime();
      for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
        try {
          out.write(b);
          out.flush();
        } catch (java.io.IOException e) {
          return Duration.ofNanos(System.nanoTime() - t0);
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        while (System.nanoTime() < until) {
          try {
            if (in.read() < 0) {
              return Duration.ofNanos(System.nanoTime() - t0);
            }
          } catch (java.net.SocketTimeoutException e) {
            // Nothing yet: the pace of the trickle, not a wait for a condition.
          } catch (java.io.IOException e) {
            return Duration.ofNanos(System.nanoTime() - t0);
          }
        }
      }
      throw new AssertionError("the server kept a trickling request open for "
          + Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  @Test
  void aBlockingQueryAndAnEventStreamOutliveTheRequestTimeout(EmbeddedZooKeeper server) throws Exception {
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .requestTimeout(Duration.ofMillis(500)).idleTimeout(Duration.ofMillis(500))
        .keepAlive(Duration.ofSeconds(10)).writeToken(WRITE.toCharArray()).readToken(READ.toCharArray()).start()) {
      long index = JSON.readTree(get(agent, "/v1/services/long", bearer(READ)).body()).get("index").asLong();
      long t0 = System.nanoTime();
      CompletableFuture<HttpResponse<String>> parked = http.sendAsync(HttpRequest.newBuilder(agent.uri().resolve(
          "/v1/services/long?index=" + index + "&wait=3s")).header("Authorization", "Bearer " + READ).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpRequest events = HttpRequest.newBuilder(agent.uri().resolve("/v1/services/long/events"))
          .header("Authorization", "Bearer " + READ).build();
      try (Sse sse = Sse.open(http, events)) {
        assertThat(sse.next(Duration.ofSeconds(5)).type()).isEqualTo("snapshot");
        HttpResponse<String> answer = parked.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(2900));
        // Six request timeouts later, the stream still carries changes.
        assertThat(put(agent, "/v1/services/long/instances/l1", bearer(WRITE)).statusCode()).isEqualTo(200);
        assertThat(sse.next(Duration.ofSeconds(5)).type()).isEqualTo("added");
      }
    }
  }

  @Test
  void theAgentsRosterAuthenticatesAsItsOwnIdentity(EmbeddedZooKeeper server) throws Exception {
    char[] password = "agent-secret".toCharArray();
    String aclId = Authentication.digestAclId("agent", password);
    // A service only the identity "agent" may add instances to; everyone may read it.
    try (ZooKeeper raw = new ZooKeeper(server.connectString(), 4_000, e -> { })) {
      await().atMost(Duration.ofSeconds(10)).until(() -> raw.getState().isConnected());
      raw.addAuthInfo("digest", "agent:agent-secret".getBytes(StandardCharsets.UTF_8));
      if (raw.exists("/services", false) == null) {
        raw.create("/services", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      }
      String id = aclId.substring("digest:".length());
      // ZooKeeper's create asks its list whether it holds null, which List.of refuses to answer.
      raw.create("/services/owned", new byte[0], new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", id)),
          new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")))), CreateMode.PERSISTENT);
    }
    try (Agent agent = Agent.builder().connectString(server.connectString()).port(0)
        .authentication(Authentication.digest("agent", password)).start();
        Roster reader = Roster.builder().connectString(server.connectString()).build();
        ServiceView view = reader.watch("owned")) {
      HttpResponse<String> r = send(agent, "PUT", "/v1/services/owned/instances/o1",
          "{\"address\":\"127.0.0.1\",\"port\":80,\"ttl\":\"30s\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 1);
      assertThat(agent.toString()).doesNotContain("agent-secret");
    }
    try (Roster caller = Roster.builder().connectString(server.connectString()).build()) {
      assertThatThrownBy(() -> Agent.builder().roster(caller).authentication(Authentication.digest("agent", password))
          .port(0).start()).isInstanceOf(IllegalStateException.class).hasMessageContaining("own Roster");
    }
  }

  /** Copies what is written to two streams. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
      a.write(bytes, off, len);
      b.write(bytes, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
    }
  }
}
