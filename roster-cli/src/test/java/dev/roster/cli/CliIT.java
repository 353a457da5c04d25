package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.ZooKeeperExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs the {@code roster} commands in-process, as {@link Main} would, against a real ZooKeeper
 * on a free port. Each test works under a base path of its own, so tests share one server.
 */
class CliIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger BASE_PATHS = new AtomicInteger();

  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final String basePath = "/cli-it-" + BASE_PATHS.incrementAndGet();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  @Test
  void lsWithNothingRegistered() throws IOException {
    Result table = run("ls", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(table.exitCode).as(table.toString()).isZero();
    assertThat(table.out).isEqualTo("no services under " + zk.connectString() + basePath + "\n");
    assertThat(table.err).isEmpty();

    Result json = run("ls", "--json", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(json.exitCode).as(json.toString()).isZero();
    assertThat(new ObjectMapper().readTree(json.out).get("services").size()).isZero();
  }

  @Test
  void lsShowsWhatTheLibraryRegistered() throws IOException {
    Roster roster = roster(zk.connectString());
    roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081)
        .zone("eu-west-1a").weight(50).metadata("version", "1.4.2").build());
    roster.register(ServiceInstance.builder("payments").id("p2").address("127.0.0.1").port(8082).build());
    roster.register(ServiceInstance.builder("orders").id("o1").address("127.0.0.1").port(9090).build());

    Result services = run("ls", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(services.exitCode).as(services.toString()).isZero();
    assertThat(services.out.lines()).containsExactly(
        "SERVICE   INSTANCES",
        "orders    1",
        "payments  2");

    Result servicesJson = run("ls", "--json", "--zk", zk.connectString(), "--base-path", basePath);
    JsonNode list = new ObjectMapper().readTree(servicesJson.out).get("services");
    assertThat(list.size()).isEqualTo(2);
    assertThat(list.get(1).get("name").asText()).isEqualTo("payments");
    assertThat(list.get(1).get("instances").asInt()).isEqualTo(2);

    Result instances = run("ls", "payments", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(instances.exitCode).as(instances.toString()).isZero();
    assertThat(instances.out.lines()).containsExactly(
        "ID  ADDRESS    PORT  ZONE        WEIGHT  STATUS  METADATA",
        "p1  127.0.0.1  8081  eu-west-1a  50      UP      version=1.4.2",
        "p2  127.0.0.1  8082  -           100     UP      -");

    Result json = run("ls", "payments", "--json", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(json.exitCode).as(json.toString()).isZero();
    JsonNode root = new ObjectMapper().readTree(json.out);
    assertThat(root.get("service").asText()).isEqualTo("payments");
    assertThat(root.get("instances").size()).isEqualTo(2);
    JsonNode p1 = root.get("instances").get(0);
    assertThat(p1.get("id").asText()).isEqualTo("p1");
    assertThat(p1.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(p1.get("port").asInt()).isEqualTo(8081);
    assertThat(p1.get("zone").asText()).isEqualTo("eu-west-1a");
    assertThat(p1.get("weight").asInt()).isEqualTo(50);
    assertThat(p1.get("status").asText()).isEqualTo("UP");
    assertThat(p1.get("metadata").get("version").asText()).isEqualTo("1.4.2");
    assertThat(root.get("instances").get(1).get("zone").isNull()).isTrue();
  }

  @Test
  void watchPrintsInstancesComingChangingAndGoing() {
    Roster roster = roster(zk.connectString());
    roster.register(ServiceInstance.builder("payments").id("p0").address("127.0.0.1").port(8080).build());
    Background watch = start("watch", "payments", "--zk", zk.connectString(), "--base-path", basePath);
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString())
        .contains("payments: 1 instance at " + zk.connectString() + basePath)
        .contains("  + p0 127.0.0.1:8080\n"));

    Registration p1 = roster.register(
        ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).zone("eu-west-1a").build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString())
        .contains("  + p1 127.0.0.1:8081 zone=eu-west-1a\n"));

    p1.update(p1.instance().toBuilder().weight(50).build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString())
        .contains("  ~ p1 weight 100->50\n"));

    p1.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString()).contains("  - p1\n"));

    assertThat(watch.stop()).isZero();
    assertThat(watch.out.toString()).doesNotContain("- p0");
    assertThat(watch.err.toString()).isEmpty();
  }

  @Test
  void watchWithJsonPrintsOneEventPerLine() throws IOException {
    Roster roster = roster(zk.connectString());
    Background watch = start("watch", "payments", "--json", "--zk", zk.connectString(), "--base-path", basePath);
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString()).contains("\"event\":\"snapshot\""));

    Registration p1 = roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString()).contains("\"event\":\"added\""));
    p1.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString()).contains("\"event\":\"removed\""));
    assertThat(watch.stop()).isZero();

    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    for (String line : watch.out.toString().split("\n")) {
      events.add(mapper.readTree(line));
    }
    assertThat(events).extracting(e -> e.get("event").asText()).containsExactly("snapshot", "added", "removed");
    assertThat(events.get(0).get("instances").size()).isZero();
    assertThat(events.get(1).get("service").asText()).isEqualTo("payments");
    assertThat(events.get(1).get("instance").get("id").asText()).isEqualTo("p1");
    assertThat(events.get(1).get("instance").get("port").asInt()).isEqualTo(8081);
    assertThat(events.get(2).get("instance").get("id").asText()).isEqualTo("p1");
  }

  @Test
  void registerHoldsTheInstanceUntilStopped() {
    Roster roster = roster(zk.connectString());
    ServiceView view = roster.watch("payments");
    cleanup.add(view);

    Background register = start("register", "payments", "--address", "127.0.0.1", "--port", "8081",
        "--id", "p1", "--zone", "eu-west-1a", "--weight", "7", "--meta", "version=1.4.2", "--meta", "team=billing",
        "--zk", zk.connectString(), "--base-path", basePath);
    await().atMost(WAIT).untilAsserted(() -> assertThat(register.out.toString())
        .matches("registered payments/p1 at 127\\.0\\.0\\.1:8081 \\(session 0x[0-9a-f]+ on "
            + Pattern.quote(zk.connectString()) + "\\); Ctrl-C to deregister\n"));
    await().atMost(WAIT).until(() -> view.instances().size() == 1);
    ServiceInstance p1 = view.instances().get(0);
    assertThat(p1.id()).isEqualTo("p1");
    assertThat(p1.hostPort()).isEqualTo("127.0.0.1:8081");
    assertThat(p1.zone()).isEqualTo("eu-west-1a");
    assertThat(p1.weight()).isEqualTo(7);
    assertThat(p1.metadata()).containsExactly(
        org.assertj.core.api.Assertions.entry("version", "1.4.2"),
        org.assertj.core.api.Assertions.entry("team", "billing"));

    assertThat(register.stop()).isZero();
    assertThat(register.out.toString()).endsWith("deregistered payments/p1\n");
    await().atMost(WAIT).until(() -> view.instances().isEmpty());
  }

  @Test
  void registerRefusesToStealAnInstanceAnotherProcessHolds() {
    roster(zk.connectString()).register(
        ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());

    Result result = run("register", "payments", "--address", "127.0.0.1", "--port", "9999", "--id", "p1",
        "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.err).startsWith("roster register: ").contains("owned by another live session");
    assertThat(result.err.lines()).hasSize(1);
  }

  @Test
  void registerRejectsABadPortBeforeConnecting() {
    Result result = run("register", "payments", "--address", "127.0.0.1", "--port", "70000",
        "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.out).isEmpty();
    assertThat(result.err).isEqualTo("roster register: port 70000: must be 1-65535\n");
  }

  @Test
  void registerRejectsABadServiceName() {
    Result result = run("register", "a/b", "--address", "127.0.0.1", "--port", "8080", "--zk", "127.0.0.1:1");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).startsWith("roster register: service name 'a/b': ").doesNotContain("\n\tat ");
    assertThat(result.err.lines()).hasSize(1);
  }

  @Test
  void unreachableZooKeeperIsOneLineNamingTheConnectString() throws IOException {
    String closed = "127.0.0.1:" + closedPort();
    long start = System.nanoTime();
    Result result = run("ls", "--zk", closed, "--timeout", "2s");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.err).startsWith("roster ls: ").contains(closed);
    assertThat(result.err.lines()).hasSize(1);
    assertThat(took).isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void upOnATakenPortIsOneLineNamingThePortAndTheOption(@TempDir Path dataDir) {
    Result result = run("up", "--zk-port", String.valueOf(zk.server().port()), "--data-dir", dataDir.toString());
    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.out).isEmpty();
    assertThat(result.err).isEqualTo("roster up: port " + zk.server().port()
        + " on 127.0.0.1 is already in use; pass --zk-port to choose another\n");
  }

  @Test
  void upServesZooKeeperUntilStopped(@TempDir Path dataDir) throws IOException {
    Background up = start("up", "--zk-port", "0", "--data-dir", dataDir.toString(), "--tick-time", "200ms");
    Pattern banner = Pattern.compile("ZooKeeper  (127\\.0\\.0\\.1:(\\d+))");
    await().atMost(WAIT).untilAsserted(() -> assertThat(up.out.toString()).containsPattern(banner));
    Matcher m = banner.matcher(up.out.toString());
    assertThat(m.find()).isTrue();
    String connectString = m.group(1);
    int port = Integer.parseInt(m.group(2));
    assertThat(up.out.toString())
        .contains("(data in " + dataDir.toAbsolutePath() + ")")
        .contains("roster watch payments --zk " + connectString);

    try (Roster roster = Roster.builder().connectString(connectString).connectionTimeout(WAIT).build()) {
      roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());
      assertThat(roster.services()).containsExactly("payments");
    }

    assertThat(up.stop()).isZero();
    assertThat(up.out.toString()).endsWith("stopped\n");
    try (ServerSocket free = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
      assertThat(free.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void helpAndVersion() {
    Result help = run("--help");
    assertThat(help.exitCode).isZero();
    assertThat(help.out).contains("Usage: roster", "up", "register", "ls", "watch", "Examples:");

    Result registerHelp = run("register", "--help");
    assertThat(registerHelp.exitCode).isZero();
    assertThat(registerHelp.out).contains("--address", "--meta", "--zk", "--timeout", "Examples:");

    Result version = run("--version");
    assertThat(version.exitCode).isZero();
    assertThat(version.out).startsWith("roster ").doesNotContain("unknown").doesNotContain("${");

    Result none = run();
    assertThat(none.exitCode).isEqualTo(2);
    assertThat(none.err).contains("Missing command");
  }

  @Test
  void badDurationIsAUsageError() {
    Result result = run("ls", "--timeout", "10");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("'10' is not a duration");
  }

  // ---- helpers

  private Roster roster(String connectString) {
    Roster roster = Roster.builder().connectString(connectString).basePath(basePath).connectionTimeout(WAIT).build();
    cleanup.add(roster);
    return roster;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  private record Result(int exitCode, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = commandLine(new StopSignal(), out, err).execute(args);
    return new Result(exitCode, out.toString(), err.toString());
  }

  private static CommandLine commandLine(StopSignal stop, StringWriter out, StringWriter err) {
    CommandLine commandLine = Main.commandLine(stop);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine;
  }

  /** A long-running command in a thread of its own, stopped as Ctrl-C would stop it. */
  private final class Background implements AutoCloseable {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final StopSignal stop = new StopSignal();
    final CompletableFuture<Integer> exitCode = new CompletableFuture<>();

    Background(String... args) {
      CommandLine commandLine = commandLine(stop, out, err);
      Thread thread = new Thread(() -> exitCode.complete(commandLine.execute(args)), "roster " + args[0]);
      thread.setDaemon(true);
      thread.start();
      cleanup.add(this);
    }

    int stop() {
      stop.stop();
      try {
        return exitCode.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("command did not stop; out: " + out + "; err: " + err, e);
      }
    }

    @Override
    public void close() {
      if (!exitCode.isDone()) {
        stop();
      }
    }
  }

  private Background start(String... args) {
    return new Background(args);
  }
}
