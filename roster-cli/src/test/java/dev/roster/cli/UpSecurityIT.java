package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceView;
import dev.roster.cli.InProcessCli.Background;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.testing.ZooKeeperExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code roster up}'s security options: tokens, the exposure rule, the agent's identity. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UpSecurityIT {
  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern AGENT = Pattern.compile("Agent      (http://127\\.0\\.0\\.1:\\d+/)");
  private static final String TOKEN = "cli-write-token-5b2e9f0c7a41d36e";
  private static final String READ = "cli-read-token-0d4c8a2e6f1b9735";
  private static final String INSTANCE = "{\"address\":\"127.0.0.1\",\"port\":8081}";

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private int status(URI uri, String method, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .method(method, method.equals("PUT") ? HttpRequest.BodyPublishers.ofString(INSTANCE)
            : HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private Path file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content + "\n");
  }

  private static URI agentUri(Background up) {
    Matcher m = AGENT.matcher(up.banner());
    assertThat(m.find()).isTrue();
    return URI.create(m.group(1));
  }

  @Test
  void beyondLoopbackWithoutATokenIsRefusedBeforeAnythingStarts() {
    for (String bind : new String[] {"0.0.0.0:0", "[::]:0"}) {
      // No ZooKeeper listens at 127.0.0.1:1: a refusal that came after starting would show in the time taken.
      long t0 = System.nanoTime();
      InProcessCli.Result result = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", bind);
      assertThat(result.exitCode).as(result.toString()).isEqualTo(ExitCodes.USAGE);
      assertThat(result.err).contains("beyond loopback").contains("--token-file").contains("--insecure-http");
      assertThat(result.out).doesNotContain("Roster is up");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void badSecurityOptionsAreUsageErrors() throws Exception {
    Path read = file("read.token", READ);
    InProcessCli.Result noWrite = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
        "--read-token-file", read.toString());
    assertThat(noWrite.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(noWrite.err).contains("--read-token-file needs --token-file");

    InProcessCli.Result shortToken = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
        "--token-file", file("short.token", "abc").toString());
    assertThat(shortToken.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(shortToken.err).contains("write token").doesNotContain("abc\n");

    InProcessCli.Result missing = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
        "--token-file", dir.resolve("nowhere").toString());
    assertThat(missing.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err).contains("nowhere");

    InProcessCli.Result star = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
        "--cors-origin", "*");
    assertThat(star.exitCode).isEqualTo(ExitCodes.USAGE);

    InProcessCli.Result auth = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
        "--auth", "agent");
    assertThat(auth.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(auth.err).contains("digest:USER");
    if (System.getenv(ZooKeeperSecurity.PASSWORD_ENV) == null) {
      InProcessCli.Result noPassword = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
          "--auth", "digest:agent");
      assertThat(noPassword.exitCode).isEqualTo(ExitCodes.USAGE);
      assertThat(noPassword.err).contains(ZooKeeperSecurity.PASSWORD_ENV);
    }
  }

  @Test
  void withTokenFilesWritesAndReadsNeedThemAndTheTokensAreNeverPrinted(EmbeddedZooKeeper server) throws Exception {
    Path write = file("agent.token", TOKEN);
    Path read = file("reader.token", READ);
    Path password = file("zk.password", "agent-zk-secret");
    try (Background up = new Background(WAIT, "up", "--zk", server.connectString(), "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
        "--token-file", write.toString(), "--read-token-file", read.toString(),
        "--auth", "digest:agent", "--password-file", password.toString());
        Roster library = Roster.builder().connectString(server.connectString()).build();
        ServiceView view = library.watch("payments")) {
      URI agent = agentUri(up);
      URI instance = agent.resolve("v1/services/payments/instances/p1");
      assertThat(status(instance, "PUT", null)).isEqualTo(401);
      assertThat(status(instance, "PUT", TOKEN + "0")).isEqualTo(401);
      assertThat(status(instance, "PUT", READ)).isEqualTo(403);
      assertThat(status(instance, "PUT", TOKEN)).isEqualTo(200);
      await().atMost(WAIT).until(() -> view.instances().size() == 1);
      assertThat(status(agent.resolve("v1/services/payments"), "GET", null)).isEqualTo(401);
      assertThat(status(agent.resolve("v1/services/payments"), "GET", READ)).isEqualTo(200);
      assertThat(status(agent.resolve("health"), "GET", null)).isEqualTo(200);
      // The banner says where the tokens are, never what they are.
      assertThat(up.out.toString()).contains("Access     writes need the token in " + write)
          .contains("ZooKeeper identity digest:agent")
          .contains("Authorization: Bearer $(cat " + write + ")");
      assertThat(up.stop()).isZero();
      for (String secret : new String[] {TOKEN, READ, "agent-zk-secret"}) {
        assertThat(up.out.toString()).doesNotContain(secret);
        assertThat(up.err.toString()).doesNotContain(secret);
      }
    }
  }

  @Test
  void theHelpNamesEverySecurityOption() {
    InProcessCli.Result help = InProcessCli.run("up", "--help");
    assertThat(help.out).contains("--token-file", "--read-token-file", "--insecure-http", "--cors-origin",
        "--auth", "--password-file", "ROSTER_PASSWORD");
  }

  /**
   * {@code roster up --tls}: the embedded ZooKeeper serves TLS only, with a local CA made in
   * the data directory; the banner says where its trust store and password are, a client
   * command with them connects, one without gets nothing, and the agent itself works over TLS.
   */
  @Test
  void upWithTlsServesZooKeeperOverTlsOnlyAndTheBannerSaysHowToTrustIt() throws Exception {
    Path data = dir.resolve("data");
    try (Background up = new Background(WAIT, "up", "--tls", "--zk-port", "0", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0",
        "--data-dir", data.toString())) {
      URI agent = agentUri(up);
      String banner = up.banner();
      Matcher zkLine = Pattern.compile("ZooKeeper  (127\\.0\\.0\\.1:\\d+)   \\(TLS only; ").matcher(banner);
      assertThat(zkLine.find()).as(banner).isTrue();
      String zkAddress = zkLine.group(1);
      Path tls = data.toAbsolutePath().normalize().resolve("tls");
      assertThat(banner).contains("--tls-trust " + tls.resolve("ca-trust.p12"))
          .contains("--tls-trust-password-file " + tls.resolve("password"))
          .doesNotContain(Files.readString(tls.resolve("password")).strip());

      InProcessCli.Result trusted = InProcessCli.run("whoami", "--zk", zkAddress, "--timeout", "5s",
          "--tls-trust", tls.resolve("ca-trust.p12").toString(), "--tls-trust-password-file", tls.resolve("password").toString());
      assertThat(trusted.exitCode).as(trusted.toString()).isZero();
      assertThat(trusted.out).contains("ip:127.0.0.1");
      InProcessCli.Result plain = InProcessCli.run("ls", "--zk", zkAddress, "--timeout", "3s");
      assertThat(plain.exitCode).as(plain.toString()).isEqualTo(ExitCodes.UNREACHABLE);

      // The agent's own Roster reaches ZooKeeper over TLS: a write through it lands.
      assertThat(status(agent.resolve("v1/services/payments/instances/p1"), "PUT", null)).isEqualTo(200);
      assertThat(up.stop()).isZero();
    }
  }
}
