package dev.roster.cli;

import dev.roster.cli.InProcessCli.Background;
import dev.roster.cli.InProcessCli.Result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategies;
import dev.roster.testing.ZooKeeperExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

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
    Result table = InProcessCli.run("ls", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(table.exitCode).as(table.toString()).isZero();
    assertThat(table.out).isEqualTo("no services under " + zk.connectString() + basePath + "\n");
    assertThat(table.err).isEmpty();

    Result json = InProcessCli.run("ls", "--json", "--zk", zk.connectString(), "--base-path", basePath);
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

    Result services = InProcessCli.run("ls", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(services.exitCode).as(services.toString()).isZero();
    assertThat(services.out.lines()).containsExactly(
        "SERVICE   INSTANCES",
        "orders    1",
        "payments  2");

    Result servicesJson = InProcessCli.run("ls", "--json", "--zk", zk.connectString(), "--base-path", basePath);
    JsonNode list = new ObjectMapper().readTree(servicesJson.out).get("services");
    assertThat(list.size()).isEqualTo(2);
    assertThat(list.get(1).get("name").asText()).isEqualTo("payments");
    assertThat(list.get(1).get("instances").asInt()).isEqualTo(2);

    Result instances = InProcessCli.run("ls", "payments", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(instances.exitCode).as(instances.toString()).isZero();
    assertThat(instances.out.lines()).containsExactly(
        "ID  ADDRESS    PORT  ZONE        WEIGHT  STATUS  METADATA",
        "p1  127.0.0.1  8081  eu-west-1a  50      UP      version=1.4.2",
        "p2  127.0.0.1  8082  -           100     UP      -");

    Result json = InProcessCli.run("ls", "payments", "--json", "--zk", zk.connectString(), "--base-path", basePath);
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

    Result result = InProcessCli.run("register", "payments", "--address", "127.0.0.1", "--port", "9999", "--id", "p1",
        "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.err).startsWith("roster register: ").contains("owned by another live session");
    assertThat(result.err.lines()).hasSize(1);
    // Built from the exception's fields: the instance, the node, its owner and the option to change.
    assertThat(result.err).startsWith("roster register: cannot register payments/p1: its node "
        + basePath + "/payments/p1 is owned by another live session 0x").contains("(pass another --id");
  }

  @Test
  void registerRejectsABadPortBeforeConnecting() {
    Result result = InProcessCli.run("register", "payments", "--address", "127.0.0.1", "--port", "70000",
        "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.out).isEmpty();
    assertThat(result.err).isEqualTo("roster register: port 70000: must be 1-65535\n");
  }

  @Test
  void registerRejectsABadServiceName() {
    Result result = InProcessCli.run("register", "a/b", "--address", "127.0.0.1", "--port", "8080", "--zk", "127.0.0.1:1");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).startsWith("roster register: service name 'a/b': ").doesNotContain("\n\tat ");
    assertThat(result.err.lines()).hasSize(1);
  }

  @Test
  void unreachableZooKeeperIsOneLineNamingTheConnectString() throws IOException {
    String closed = "127.0.0.1:" + closedPort();
    long start = System.nanoTime();
    Result result = InProcessCli.run("ls", "--zk", closed, "--timeout", "2s");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(result.exitCode).isEqualTo(ExitCodes.UNREACHABLE);
    assertThat(result.err).startsWith("roster ls: ").contains(closed);
    assertThat(result.err.lines()).hasSize(1);
    assertThat(took).isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void upOnATakenPortIsOneLineNamingThePortAndTheOption(@TempDir Path dataDir) {
    Result result = InProcessCli.run("up", "--zk-port", String.valueOf(zk.server().port()), "--data-dir", dataDir.toString());
    assertThat(result.exitCode).isEqualTo(1);
    assertThat(result.out).isEmpty();
    assertThat(result.err).isEqualTo("roster up: port " + zk.server().port()
        + " on 127.0.0.1 is already in use; pass --zk-port to choose another\n");
  }

  @Test
  void upServesZooKeeperUntilStopped(@TempDir Path dataDir) throws IOException {
    Background up = start("up", "--zk-port", "0", "--data-dir", dataDir.toString(), "--tick-time", "200ms",
        "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0");
    String banner = up.banner();
    Matcher m = Pattern.compile("ZooKeeper  (127\\.0\\.0\\.1:(\\d+))").matcher(banner);
    assertThat(m.find()).as(banner).isTrue();
    String connectString = m.group(1);
    int port = Integer.parseInt(m.group(2));
    assertThat(banner)
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
    Result help = InProcessCli.run("--help");
    assertThat(help.exitCode).isZero();
    assertThat(help.out).contains("Usage: roster", "up", "register", "ls", "watch", "get", "Examples:");
    assertThat(help.out).containsPattern("(?m)^  get\\s+Pick one UP instance");

    Result getHelp = InProcessCli.run("get", "--help");
    assertThat(getHelp.exitCode).isZero();
    assertThat(getHelp.out).contains("--strategy", "--key", "--zone", "--min-healthy-share", "--json", "--zk",
        "--timeout", "Examples:");
    assertThat(getHelp.out.replaceAll("\\s+", " ")).contains("(default: random; rendezvous with --key)");

    Result registerHelp = InProcessCli.run("register", "--help");
    assertThat(registerHelp.exitCode).isZero();
    assertThat(registerHelp.out).contains("--address", "--meta", "--zk", "--timeout", "--check-http", "--check-tcp",
        "--check-interval", "--rise", "--fall", "Examples:");

    Result version = InProcessCli.run("--version");
    assertThat(version.exitCode).isZero();
    assertThat(version.out).startsWith("roster ").doesNotContain("unknown").doesNotContain("${");

    Result none = InProcessCli.run();
    assertThat(none.exitCode).isEqualTo(2);
    assertThat(none.err).contains("Missing command");
  }

  /** Registers through a Roster it has already closed, as no shipped command can. */
  @Command(name = "register-after-close")
  static final class RegisterAfterClose implements Callable<Integer> {
    private final String connectString;

    RegisterAfterClose(String connectString) {
      this.connectString = connectString;
    }

    @Override
    public Integer call() {
      Roster roster = Roster.builder().connectString(connectString).connectionTimeout(WAIT).build();
      roster.close();
      roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());
      return ExitCodes.OK;
    }
  }

  @Test
  void anIllegalStateFromTheLibraryIsOneLineAndExitCode1() {
    Result result = InProcessCli.runWith(new RegisterAfterClose(zk.connectString()), "register-after-close");
    assertThat(result.exitCode).as(result.toString()).isEqualTo(1);
    assertThat(result.out).isEmpty();
    // The library's own words ("this Roster is closed"), on one line: no stack trace.
    assertThat(result.err).startsWith("roster register-after-close: ").contains("closed").endsWith("\n");
    assertThat(result.err.lines()).hasSize(1);
  }

  @Test
  void badDurationIsAUsageError() {
    Result result = InProcessCli.run("ls", "--timeout", "10");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).contains("'10' is not a duration");
  }

  // ---- get

  @Test
  void getPrintsOneUpInstancesHostPort() throws IOException {
    Roster roster = roster(zk.connectString());
    roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081)
        .zone("eu-west-1a").metadata("version", "1.4.2").build());
    roster.register(ServiceInstance.builder("payments").id("p2").address("127.0.0.1").port(8082)
        .status(ServiceInstance.Status.DRAINING).build());
    roster.register(ServiceInstance.builder("v6").id("a").address("::1").port(9090).build());

    for (int i = 0; i < 3; i++) {
      Result result = InProcessCli.run("get", "payments", "--zk", zk.connectString(), "--base-path", basePath);
      assertThat(result.exitCode).as(result.toString()).isZero();
      assertThat(result.out).as("p2 is DRAINING, so never picked").isEqualTo("127.0.0.1:8081\n");
      assertThat(result.err).isEmpty();
    }
    Result v6 = InProcessCli.run("get", "v6", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(v6.out).isEqualTo("[::1]:9090\n");

    Result json = InProcessCli.run("get", "payments", "--json", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(json.exitCode).as(json.toString()).isZero();
    assertThat(json.out.lines()).hasSize(1);
    JsonNode p1 = new ObjectMapper().readTree(json.out);
    JsonNode inLs = new ObjectMapper().readTree(
        InProcessCli.run("ls", "payments", "--json", "--zk", zk.connectString(), "--base-path", basePath).out).get("instances").get(0);
    assertThat(p1).isEqualTo(inLs);
    assertThat(p1.get("id").asText()).isEqualTo("p1");
    assertThat(p1.get("metadata").get("version").asText()).isEqualTo("1.4.2");
  }

  @Test
  void getWorksWithEveryStrategy() {
    Roster roster = roster(zk.connectString());
    roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).weight(0).build());
    roster.register(ServiceInstance.builder("payments").id("p2").address("127.0.0.1").port(8082).build());

    for (String strategy : List.of("round-robin", "random", "weighted-random", "smooth-weighted-round-robin",
        "power-of-two", "rendezvous", "Weighted-Rendezvous")) {
      Result result = InProcessCli.run("get", "payments", "--strategy", strategy, "--zk", zk.connectString(), "--base-path", basePath);
      assertThat(result.exitCode).as(strategy + ": " + result).isZero();
      assertThat(result.out).as(strategy).isIn("127.0.0.1:8081\n", "127.0.0.1:8082\n");
      if (strategy.toLowerCase(Locale.ROOT).startsWith("weighted")) {
        assertThat(result.out).as(strategy + " never picks weight 0 beside a positive weight").isEqualTo("127.0.0.1:8082\n");
      }
    }
  }

  @Test
  void getWithAKeyIsStablePerKeyAndSpreadsKeys() {
    Roster roster = roster(zk.connectString());
    for (int i = 1; i <= 5; i++) {
      roster.register(ServiceInstance.builder("payments").id("p" + i).address("127.0.0.1").port(8080 + i).build());
    }
    ServiceView view = roster.watch("payments");
    cleanup.add(view);
    await().atMost(WAIT).until(() -> view.instances().size() == 5);
    Selector library = view.selector(Strategies.rendezvous());

    Set<String> picked = new HashSet<>();
    for (int k = 0; k < 10; k++) {
      String key = "user-" + k;
      Result first = InProcessCli.run("get", "payments", "--key", key, "--zk", zk.connectString(), "--base-path", basePath);
      Result second = InProcessCli.run("get", "payments", "--key", key, "--strategy", "rendezvous",
          "--zk", zk.connectString(), "--base-path", basePath);
      assertThat(first.exitCode).as(first.toString()).isZero();
      assertThat(second.out).as("the same key in another run").isEqualTo(first.out);
      assertThat(first.out).as("what Selector.pick(String) gives in the library")
          .isEqualTo(library.pick(key).hostPort() + "\n");
      picked.add(first.out);
    }
    assertThat(picked).as("10 keys over 5 instances").hasSizeGreaterThanOrEqualTo(3);

    Result notHashing = InProcessCli.run("get", "payments", "--key", "user-1", "--strategy", "random", "--zk", "127.0.0.1:1");
    assertThat(notHashing.exitCode).isEqualTo(2);
    assertThat(notHashing.err).isEqualTo("roster get: --key needs a hashing --strategy, rendezvous or "
        + "weighted-rendezvous; random would ignore the key\n");
  }

  @Test
  void getWithAZonePrefersItWhileItIsHealthyEnough() {
    Roster roster = roster(zk.connectString());
    roster.register(ServiceInstance.builder("payments").id("a1").address("127.0.0.1").port(8081).zone("zone-a").build());
    roster.register(ServiceInstance.builder("payments").id("a2").address("127.0.0.1").port(8082).zone("zone-a").build());
    Registration b1 = roster.register(
        ServiceInstance.builder("payments").id("b1").address("127.0.0.1").port(8091).zone("zone-b").build());
    roster.register(ServiceInstance.builder("payments").id("b2").address("127.0.0.1").port(8092).zone("zone-b")
        .status(ServiceInstance.Status.DRAINING).build());

    // zone-b: 1 of 2 up, which is the default share of 0.5, so it stays local.
    for (int i = 0; i < 5; i++) {
      Result result = InProcessCli.run("get", "payments", "--zone", "zone-b", "--zk", zk.connectString(), "--base-path", basePath);
      assertThat(result.exitCode).as(result.toString()).isZero();
      assertThat(result.out).isEqualTo("127.0.0.1:8091\n");
    }
    // Asking for more than half spills over: every zone's UP instances (a1, a2, b1) are picked
    // from. Shown with a key that rendezvous hashing places in zone-a among those three.
    ServiceView view = roster.watch("payments");
    cleanup.add(view);
    await().atMost(WAIT).until(() -> view.instances().size() == 4);
    Selector everyZone = view.selector(Strategies.rendezvous());
    String key = IntStream.range(0, 100).mapToObj(k -> "user-" + k)
        .filter(k -> "zone-a".equals(everyZone.pick(k).zone())).findFirst().orElseThrow();
    Result spill = InProcessCli.run("get", "payments", "--zone", "zone-b", "--min-healthy-share", "0.75", "--key", key,
        "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(spill.out).isEqualTo(everyZone.pick(key).hostPort() + "\n").isIn("127.0.0.1:8081\n", "127.0.0.1:8082\n");
    Result local = InProcessCli.run("get", "payments", "--zone", "zone-b", "--key", key,
        "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(local.out).as("the same key at the default share of 0.5").isEqualTo("127.0.0.1:8091\n");
    // With none of zone-b up, zone-a takes the traffic whatever the share.
    b1.drain();
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        InProcessCli.run("get", "payments", "--zone", "zone-b", "--zk", zk.connectString(), "--base-path", basePath).out)
        .isIn("127.0.0.1:8081\n", "127.0.0.1:8082\n"));

    Result noZone = InProcessCli.run("get", "payments", "--min-healthy-share", "0.5", "--zk", "127.0.0.1:1");
    assertThat(noZone.exitCode).isEqualTo(2);
    assertThat(noZone.err).isEqualTo("roster get: --min-healthy-share needs --zone\n");
    Result badShare = InProcessCli.run("get", "payments", "--zone", "zone-b", "--min-healthy-share", "1.5", "--zk", "127.0.0.1:1");
    assertThat(badShare.exitCode).isEqualTo(2);
    assertThat(badShare.err).isEqualTo("roster get: --min-healthy-share 1.5: must be between 0 and 1\n");
  }

  @Test
  void getWithNoInstanceUpIsOneLineAndExitCode3() {
    Result empty = InProcessCli.run("get", "payments", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(empty.exitCode).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(empty.out).isEmpty();
    assertThat(empty.err).isEqualTo("roster get: no instance of payments is up\n");

    roster(zk.connectString()).register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081)
        .status(ServiceInstance.Status.DRAINING).build());
    Result draining = InProcessCli.run("get", "payments", "--zk", zk.connectString(), "--base-path", basePath);
    assertThat(draining.exitCode).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(draining.err).isEqualTo("roster get: no instance of payments is up (1 known: 1 DRAINING)\n");
  }

  @Test
  void getWithAnUnknownStrategyListsTheValidOnes() {
    Result result = InProcessCli.run("get", "payments", "--strategy", "fastest", "--zk", "127.0.0.1:1");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.out).isEmpty();
    assertThat(result.err).isEqualTo("roster get: --strategy 'fastest': unknown; expected one of round-robin, "
        + "random, weighted-random, smooth-weighted-round-robin, power-of-two, rendezvous, weighted-rendezvous\n");
  }

  // ---- register with a health check

  @Test
  void registerWithAnHttpCheckIsThereOnlyWhileTheCheckPasses() throws IOException {
    AtomicInteger status = new AtomicInteger(200);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.createContext("/health", exchange -> {
      byte[] body = "OK".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status.get(), body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    cleanup.add(() -> server.stop(0));
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/health";

    Roster roster = roster(zk.connectString());
    ServiceView view = roster.watch("payments");
    cleanup.add(view);
    Background register = start("register", "payments", "--address", "127.0.0.1", "--port", "8081", "--id", "p1",
        "--check-http", url, "--check-body", "OK", "--check-interval", "100ms", "--rise", "2", "--fall", "2",
        "--zk", zk.connectString(), "--base-path", basePath);

    await().atMost(WAIT).until(() -> view.instances().size() == 1);
    assertThat(view.instances().get(0).status()).isEqualTo(ServiceInstance.Status.UP);
    await().atMost(WAIT).untilAsserted(() -> assertThat(register.out.toString())
        .startsWith("checking GET " + url + " (body must contain 'OK') every 100ms for payments/p1 at 127.0.0.1:8081")
        .contains("  healthy: registered payments/p1 at 127.0.0.1:8081 (HTTP 200, body contains 'OK')\n"));

    status.set(500);
    // Drained first (DRAINING for the 1 s grace), then gone.
    await().atMost(WAIT).until(() -> !view.instances().isEmpty()
        && view.instances().get(0).status() == ServiceInstance.Status.DRAINING);
    await().atMost(WAIT).until(() -> view.instances().isEmpty());
    await().atMost(WAIT).untilAsserted(() -> assertThat(register.out.toString())
        .contains("  unhealthy (HTTP 500): draining, then deregistering payments/p1 in 1s\n"));

    status.set(200);
    await().atMost(WAIT).until(() -> view.instances().size() == 1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(register.out.toString().split("healthy: registered", -1))
        .as("up again after rise passes").hasSize(3));

    assertThat(register.stop()).isZero();
    assertThat(register.out.toString()).endsWith("deregistered payments/p1\n");
    assertThat(register.err.toString()).isEmpty();
    await().atMost(WAIT).until(() -> view.instances().isEmpty());
  }

  @Test
  void registerWithATcpCheckOnAClosedPortNeverRegisters() throws IOException {
    int closed = closedPort();
    Roster roster = roster(zk.connectString());
    ServiceView view = roster.watch("payments");
    cleanup.add(view);
    Background register = start("register", "payments", "--address", "127.0.0.1", "--port", String.valueOf(closed),
        "--id", "p1", "--check-tcp", "127.0.0.1:" + closed, "--check-interval", "100ms", "--rise", "1",
        "--zk", zk.connectString(), "--base-path", basePath);
    await().atMost(WAIT).untilAsserted(() -> assertThat(register.out.toString())
        .contains("  not healthy yet (connect to 127.0.0.1:" + closed + ": ")
        .contains("): payments/p1 is registered after 1 passing check in a row\n"));

    // Absence cannot be awaited: the test watches for a fixed window instead, 10 check
    // intervals, in which a single passing check (rise 1) would have registered it.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> view.instances().isEmpty());

    assertThat(register.stop()).isZero();
    assertThat(register.out.toString()).endsWith("stopped checking payments/p1, which was never registered\n")
        .doesNotContain("healthy: registered");
  }

  @Test
  void registerRejectsBadChecksBeforeConnecting() {
    String[] base = {"register", "payments", "--address", "127.0.0.1", "--port", "8081", "--zk", "127.0.0.1:1"};
    Result both = InProcessCli.run(append(base, List.of(
        "--check-http", "http://127.0.0.1:8081/health", "--check-tcp", "127.0.0.1:8081")));
    assertThat(both.exitCode).as(both.toString()).isEqualTo(2);
    assertThat(both.out).isEmpty();
    assertThat(both.err.lines().findFirst()).hasValue(
        "Error: --check-http=URL, --check-tcp=HOST:PORT are mutually exclusive (specify only one)");
    assertThat(both.err).contains("Usage: roster register").doesNotContain("\tat ");
    assertUsageError(base, List.of("--check-http", "localhost:8081/health"),
        "--check-http 'localhost:8081/health': must be an absolute http or https URL with a host, "
            + "such as http://127.0.0.1:8081/health");
    assertUsageError(base, List.of("--check-http", "http://exa mple/"),
        "--check-http 'http://exa mple/': not a URL: Illegal character in authority");
    assertUsageError(base, List.of("--check-tcp", "127.0.0.1"),
        "--check-tcp '127.0.0.1': expected HOST:PORT, such as 127.0.0.1:8081 or [::1]:8081");
    assertUsageError(base, List.of("--check-tcp", "::1:8081"),
        "--check-tcp '::1:8081': expected HOST:PORT, such as 127.0.0.1:8081 or [::1]:8081");
    assertUsageError(base, List.of("--check-tcp", "127.0.0.1:0"),
        "--check-tcp '127.0.0.1:0': port 0 must be 1-65535");
    assertUsageError(base, List.of("--check-body", "OK"), "--check-body needs --check-http");
    assertUsageError(base, List.of("--rise", "3"), "--rise needs --check-http or --check-tcp");
    assertUsageError(base, List.of("--check-tcp", "[::1]:8081", "--fall", "0"), "--fall 0: must be >= 1");
    assertUsageError(base, List.of("--check-tcp", "[::1]:8081", "--check-timeout", "25h"),
        "--check-timeout 1500m: must be positive and at most one day");
  }

  @Test
  void registerNamesTheOptionForAMetadataKeyThatIsAnAttribute() {
    String[] base = {"register", "payments", "--address", "127.0.0.1", "--port", "8081", "--zk", "127.0.0.1:1"};
    assertUsageError(base, List.of("--meta", "version=1", "--meta", "zone=eu-west-1a"),
        "metadata key 'zone': is reserved for Roster's own attribute; use --zone, --weight or --status");
    // Refused for another reason: the library's words as they are.
    assertUsageError(base, List.of("--meta", "=1"), "metadata key '': must be 1-255 characters");
  }

  private static void assertUsageError(String[] base, List<String> extra, String message) {
    Result result = InProcessCli.run(append(base, extra));
    assertThat(result.exitCode).as(extra + ": " + result).isEqualTo(2);
    assertThat(result.out).isEmpty();
    assertThat(result.err).isEqualTo("roster register: " + message + "\n");
  }

  // ---- helpers

  private static String[] append(String[] base, List<String> extra) {
    List<String> args = new ArrayList<>(List.of(base));
    args.addAll(extra);
    return args.toArray(new String[0]);
  }

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

  private Background start(String... args) {
    Background background = new Background(WAIT, args);
    cleanup.add(background);
    return background;
  }
}
