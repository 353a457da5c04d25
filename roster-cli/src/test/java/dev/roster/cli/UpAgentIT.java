package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceView;
import dev.roster.cli.InProcessCli.Background;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.testing.ZooKeeperExtension;
import java.net.InetSocketAddress;
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
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** {@code roster up} with the agent: on an existing ensemble, on its embedded ZooKeeper, and as a process. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UpAgentIT {
  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern AGENT = Pattern.compile("Agent      (http://127\\.0\\.0\\.1:\\d+/)");
  private static final Pattern DNS = Pattern.compile("DNS        127\\.0\\.0\\.1:(\\d+)   \\(UDP and TCP; dig @127\\.0\\.0\\.1 -p \\1 payments\\.service\\.roster SRV\\)");
  private static final String INSTANCE = "{\"address\":\"127.0.0.1\",\"port\":8081}";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static URI agentUri(String banner) {
    Matcher m = AGENT.matcher(banner);
    assertThat(m.find()).as(banner).isTrue();
    return URI.create(m.group(1));
  }

  private int status(URI uri, String method, String body) throws Exception {
    HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body);
    return http.send(HttpRequest.newBuilder(uri).method(method, p).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void upOnAnExistingEnsembleStartsOnlyTheAgentAndDeregistersOnStop(EmbeddedZooKeeper server) throws Exception {
    try (Background up = new Background(WAIT, "up", "--zk", server.connectString(), "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0");
        Roster library = Roster.builder().connectString(server.connectString()).build();
        ServiceView view = library.watch("payments")) {
      String banner = up.banner();
      assertThat(banner).contains("ZooKeeper  " + server.connectString() + "   (not started here)")
          .contains("Dashboard  http://127.0.0.1:");
      URI agent = agentUri(banner);

      assertThat(status(agent.resolve("v1/services/payments/instances/p1"), "PUT", INSTANCE)).isEqualTo(200);
      await().atMost(WAIT).until(() -> view.instances().size() == 1);
      assertThat(status(agent.resolve("health"), "GET", null)).isEqualTo(200);

      server.stop();
      await().atMost(WAIT).until(() -> status(agent.resolve("health"), "GET", null) == 503);
      server.restart();
      await().atMost(WAIT).until(() -> status(agent.resolve("health"), "GET", null) == 200);

      assertThat(up.stop()).isZero();
      assertThat(up.out.toString()).endsWith("stopped\n");
      // Deregistered on the way out, not left for the session timeout. Read afresh: the view
      // above re-read after ZooKeeper's restart, and would hold a removal of all it has.
      try (Roster fresh = Roster.builder().connectString(server.connectString()).build();
          ServiceView after = fresh.watch("payments")) {
        assertThat(after.whenReady().get(10, TimeUnit.SECONDS).instances()).isEmpty();
      }
    }
  }

  @Test
  void upStartsTheAgentOnItsEmbeddedZooKeeper(@TempDir Path dataDir) throws Exception {
    try (Background up = new Background(WAIT, "up", "--zk-port", "0", "--data-dir", dataDir.toString(),
        "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0")) {
      String banner = up.banner();
      URI agent = agentUri(banner);
      assertThat(status(agent.resolve("health"), "GET", null)).isEqualTo(200);
      assertThat(status(agent, "GET", null)).isEqualTo(200);

      // The banner's DNS address answers what the agent holds.
      Matcher dns = DNS.matcher(banner);
      assertThat(dns.find()).as(banner).isTrue();
      SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", Integer.parseInt(dns.group(1))));
      resolver.setTimeout(Duration.ofSeconds(2));
      assertThat(status(agent.resolve("v1/services/payments/instances/p1"), "PUT", INSTANCE)).isEqualTo(200);
      Message query = Message.newQuery(Record.newRecord(Name.fromString("payments.service.roster."), Type.SRV, DClass.IN));
      await().atMost(WAIT).untilAsserted(() -> assertThat(resolver.send(query).getSection(Section.ANSWER))
          .singleElement().satisfies(r -> {
            assertThat(r).isInstanceOf(SRVRecord.class);
            assertThat(((SRVRecord) r).getPort()).isEqualTo(8081);
            assertThat(((SRVRecord) r).getTarget()).hasToString("p1.payments.service.roster.");
          }));
      assertThat(up.stop()).isZero();
    }
  }

  @Test
  void dnsOffStartsNoDns(@TempDir Path dataDir) throws Exception {
    try (Background up = new Background(WAIT, "up", "--zk-port", "0", "--data-dir", dataDir.toString(),
        "--http", "127.0.0.1:0", "--dns", "off")) {
      // Asked of the whole banner: a banner still being printed would lack the line anyway.
      assertThat(up.banner()).containsPattern(AGENT).doesNotContain("DNS  ");
      assertThat(up.stop()).isZero();
    }
  }

  @Test
  void badDnsOptionsAreUsageErrorsNamingTheOption() {
    InProcessCli.Result address = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0",
        "--dns", "8600");
    assertThat(address.exitCode).isEqualTo(2);
    assertThat(address.err).contains("--dns '8600': expected HOST:PORT such as 127.0.0.1:8600");
    InProcessCli.Result domain = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0",
        "--dns", "127.0.0.1:0", "--dns-domain", "bad..domain");
    assertThat(domain.exitCode).isEqualTo(2);
    assertThat(domain.err).contains("--dns-domain: dns domain");
    InProcessCli.Result rate = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "127.0.0.1:0",
        "--dns", "127.0.0.1:0", "--dns-rate-limit", "-1");
    assertThat(rate.exitCode).isEqualTo(2);
    assertThat(rate.err).contains("--dns-rate-limit: dns rate limit -1");
  }

  @Test
  void aBadHttpAddressIsAUsageError() {
    InProcessCli.Result result = InProcessCli.run("up", "--zk", "127.0.0.1:1", "--http", "nonsense");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("--http 'nonsense': expected HOST:PORT");
  }

  @Test
  void sigtermExitsZeroAndLeavesNothingRegistered(EmbeddedZooKeeper server, @TempDir Path dir) throws Exception {
    Path jar = Path.of("target", "roster.jar");
    assumeThat(jar).as("the runnable jar, built by `mvn package`").exists();
    Path out = dir.resolve("stdout");
    Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString(), "up", "--zk", server.connectString(), "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0")
        .redirectOutput(out.toFile())
        .redirectError(dir.resolve("stderr").toFile())
        .start();
    try (Roster library = Roster.builder().connectString(server.connectString()).build();
        ServiceView view = library.watch("payments")) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(Files.readString(out)).containsPattern(AGENT));
      URI agent = agentUri(Files.readString(out));
      assertThat(status(agent.resolve("v1/services/payments/instances/p1"), "PUT", INSTANCE)).isEqualTo(200);
      await().atMost(WAIT).until(() -> view.instances().size() == 1);

      up.destroy(); // SIGTERM
      assertThat(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(up.exitValue()).isZero();
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().isEmpty());
    } finally {
      up.destroyForcibly();
    }
  }
}
