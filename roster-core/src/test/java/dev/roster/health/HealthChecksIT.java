package dev.roster.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The built-in checks against real servers on 127.0.0.1. */
class HealthChecksIT {
  /** Generous, so a loaded machine does not fail a check that should pass. */
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  /** Short, for the checks that are meant to time out. */
  private static final Duration SHORT = Duration.ofMillis(300);

  private HttpServer http;
  private ExecutorService threads;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    threads = Executors.newCachedThreadPool();
    http.setExecutor(threads);
    respond("/ok", 200, "{\"status\":\"UP\"}");
    respond("/down", 503, "{\"status\":\"DOWN\"}");
    respond("/empty", 204, "");
    http.createContext("/moved", exchange -> {
      exchange.getResponseHeaders().add("Location", "/ok");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    http.createContext("/hang", exchange -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    http.start();
  }

  private void respond(String path, int status, String body) {
    http.createContext(path, exchange -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
      exchange.close();
    });
  }

  @AfterEach
  void stop() {
    release.countDown();
    http.stop(0);
    threads.shutdownNow();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path);
  }

  @Test
  void httpPassesOnTwoHundredsOnly() {
    assertThat(HealthCheck.http(uri("/ok")).check(TIMEOUT)).isEqualTo(HealthCheck.Result.pass("HTTP 200"));
    assertThat(HealthCheck.http(uri("/empty")).check(TIMEOUT)).isEqualTo(HealthCheck.Result.pass("HTTP 204"));
    assertThat(HealthCheck.http(uri("/down")).check(TIMEOUT)).isEqualTo(HealthCheck.Result.fail("HTTP 503"));
    assertThat(HealthCheck.http(uri("/nothing-here")).check(TIMEOUT)).isEqualTo(HealthCheck.Result.fail("HTTP 404"));
    // A redirect is not followed: a health endpoint that redirects is not healthy.
    assertThat(HealthCheck.http(uri("/moved")).check(TIMEOUT)).isEqualTo(HealthCheck.Result.fail("HTTP 302"));
  }

  @Test
  void httpCanRequireABodyMatch() {
    assertThat(HealthCheck.http(uri("/ok"), "\"UP\"").check(TIMEOUT))
        .isEqualTo(HealthCheck.Result.pass("HTTP 200, body contains '\"UP\"'"));
    HealthCheck.Result wrong = HealthCheck.http(uri("/ok"), "READY").check(TIMEOUT);
    assertThat(wrong).isEqualTo(HealthCheck.Result.fail("HTTP 200, body does not contain 'READY'"));
    assertThat(HealthCheck.http(uri("/down"), "DOWN").check(TIMEOUT)).isEqualTo(HealthCheck.Result.fail("HTTP 503"));
  }

  @Test
  void aHangingHttpServerTimesOutAndAClosedPortIsRefused() throws IOException {
    long start = System.nanoTime();
    HealthCheck.Result hung = HealthCheck.http(uri("/hang")).check(SHORT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(hung.healthy()).isFalse();
    assertThat(hung.reason()).endsWith("timed out after 300 ms");

    int closed = closedPort();
    HealthCheck.Result refused = HealthCheck.http(URI.create("http://127.0.0.1:" + closed + "/")).check(TIMEOUT);
    assertThat(refused.healthy()).isFalse();
    assertThat(refused.reason()).contains("connection refused");
  }

  @Test
  void tcpPassesOnAnOpenPortAndFailsOnAClosedOne() throws IOException {
    try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      HealthCheck.Result ok = HealthCheck.tcp("127.0.0.1", open.getLocalPort()).check(TIMEOUT);
      assertThat(ok).isEqualTo(HealthCheck.Result.pass("connected to 127.0.0.1:" + open.getLocalPort()));
    }
    int closed = closedPort();
    HealthCheck.Result refused = HealthCheck.tcp("127.0.0.1", closed).check(TIMEOUT);
    assertThat(refused.healthy()).isFalse();
    assertThat(refused.reason()).startsWith("connect to 127.0.0.1:" + closed + ": ");
    assertThat(HealthCheck.tcp("no-such-host.invalid", 80).check(SHORT).healthy()).isFalse();
  }

  /** A port that was just free and has nothing listening. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
