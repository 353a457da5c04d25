package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.cli.InProcessCli.Background;
import dev.roster.cli.InProcessCli.Result;
import dev.roster.testing.ZooKeeperExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The commands of the complete CLI, in-process against a real ZooKeeper: {@code deregister},
 * {@code status}, {@code --codec}, and the exit codes scripts tell situations apart by. Each
 * test works under a base path of its own, so tests share one server.
 */
class CommandsIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger BASE_PATHS = new AtomicInteger();

  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final String name = "commands-it-" + BASE_PATHS.incrementAndGet();
  private final String basePath = "/" + name;

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  // ---- deregister

  @Test
  void deregisterDeletesANodeNoSessionOwns() throws Exception {
    ZooKeeper client = client();
    create(client, basePath + "/payments/p1", "127.0.0.1:8081", CreateMode.PERSISTENT);

    Result done = run("deregister", "payments", "p1");
    assertThat(done.exitCode).as(done.toString()).isZero();
    assertThat(done.out).isEqualTo("deregistered payments/p1: deleted " + basePath
        + "/payments/p1, a persistent node no session owns\n");
    assertThat(done.err).isEmpty();
    assertThat(client.exists(basePath + "/payments/p1", false)).isNull();

    Result again = run("deregister", "payments", "p1");
    assertThat(again.exitCode).as(again.toString()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(again.out).isEmpty();
    assertThat(again.err).isEqualTo("roster deregister: no node " + basePath + "/payments/p1 at "
        + zk.connectString() + " (is the id right? `roster ls payments` lists the ids)\n");
  }

  @Test
  void deregisterRefusesANodeOfALiveSessionUnlessForced() {
    Roster roster = roster();
    roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());
    String session = Text.session(roster.sessionId());

    Result refused = run("deregister", "payments", "p1");
    assertThat(refused.exitCode).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.out).isEmpty();
    assertThat(refused.err.lines()).singleElement().asString()
        .startsWith("roster deregister: refused to deregister payments/p1: its node " + basePath
            + "/payments/p1 is ephemeral, owned by session " + session + ", which ZooKeeper holds alive")
        .endsWith("pass --force to delete it anyway");
    assertThat(InProcessCli.run("ls", "payments", "--zk", zk.connectString(), "--base-path", basePath).out)
        .contains("p1");

    ServiceView view = roster.watch("payments");
    cleanup.add(view);
    Result forced = run("deregister", "payments", "p1", "--force");
    assertThat(forced.exitCode).as(forced.toString()).isZero();
    assertThat(forced.out).isEqualTo("deregistered payments/p1: deleted " + basePath + "/payments/p1, ephemeral, "
        + "owned by live session " + session + " (forced with --force; a Roster holding it will register it again)\n");
    // As it says: the live registration restores its node.
    await().atMost(WAIT).until(() -> view.instances().size() == 1);
  }

  @Test
  void deregisterRejectsBadNamesBeforeConnecting() {
    Result slash = InProcessCli.run("deregister", "payments", "a/b", "--zk", "127.0.0.1:1");
    assertThat(slash.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(slash.err).isEqualTo("roster deregister: instance id 'a/b': must be one node name, "
        + "not empty, '.', '..' or with '/'\n");
    Result base = InProcessCli.run("deregister", "payments", "p1", "--base-path", "services", "--zk", "127.0.0.1:1");
    assertThat(base.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(base.err).startsWith("roster deregister: base path 'services': must start with '/'");
    Result missing = InProcessCli.run("deregister", "payments");
    assertThat(missing.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err).contains("Missing required parameter: 'ID'");
  }

  @Test
  void deregisterWithZooKeeperUnreachableIsExitCode4() throws IOException {
    String closed = "127.0.0.1:" + closedPort();
    Result result = InProcessCli.run("deregister", "payments", "p1", "--zk", closed, "--timeout", "1s");
    assertThat(result.exitCode).isEqualTo(ExitCodes.UNREACHABLE);
    assertThat(result.err).isEqualTo("roster deregister: could not connect to ZooKeeper at " + closed
        + " within 1s; is `roster up` running, or does --zk name the right server?\n");
  }

  // ---- status

  @Test
  void statusShowsTheConnectionTheMemberAndTheCounts() throws IOException {
    Roster roster = roster();
    roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());
    roster.register(ServiceInstance.builder("payments").id("p2").address("127.0.0.1").port(8082).build());
    roster.register(ServiceInstance.builder("orders").id("o1").address("127.0.0.1").port(9090).build());

    Result text = run("status");
    assertThat(text.exitCode).as(text.toString()).isZero();
    List<String> lines = text.out.lines().toList();
    assertThat(lines.get(0)).isEqualTo("zookeeper: " + zk.connectString());
    assertThat(lines.get(1)).matches("connected: yes, to 127\\.0\\.0\\.1:" + zk.server().port()
        + ", session 0x[0-9a-f]+, round trip [0-9.]+ms");
    assertThat(lines.get(2)).isEqualTo("members:");
    assertThat(lines.get(3)).startsWith("  ADDRESS").contains("MODE", "VERSION", "ZXID", "CONNECTIONS");
    assertThat(lines.get(4)).startsWith("  " + zk.connectString() + "  standalone  3.");
    assertThat(lines.get(5)).isEqualTo("registry: 2 services, 3 instances under " + basePath);
    assertThat(text.err).isEmpty();

    Result json = run("status", "--json");
    assertThat(json.exitCode).as(json.toString()).isZero();
    JsonNode root = new ObjectMapper().readTree(json.out);
    assertThat(root.get("connected").asBoolean()).isTrue();
    assertThat(root.get("sessionId").asText()).startsWith("0x");
    assertThat(root.get("roundTripMillis").asDouble()).isPositive();
    assertThat(root.get("members").size()).isEqualTo(1);
    assertThat(root.get("members").get(0).get("mode").asText()).isEqualTo("standalone");
    assertThat(root.get("members").get(0).get("problem").isNull()).isTrue();
    assertThat(root.get("services").get(1).get("name").asText()).isEqualTo("payments");
    assertThat(root.get("services").get(1).get("instances").asInt()).isEqualTo(2);
    assertThat(root.get("instances").asInt()).isEqualTo(3);
  }

  @Test
  void statusWithNothingThereIsExitCode4AndSaysWhatItCould() throws IOException {
    String closed = "127.0.0.1:" + closedPort();
    Result text = InProcessCli.run("status", "--zk", closed, "--timeout", "1s");
    assertThat(text.exitCode).as(text.toString()).isEqualTo(ExitCodes.UNREACHABLE);
    List<String> lines = text.out.lines().toList();
    assertThat(lines).hasSize(6);
    assertThat(lines.subList(0, 3)).containsExactly("zookeeper: " + closed, "connected: no", "members:");
    assertThat(lines.get(4).split("\\s{2,}")).containsExactly("", closed, "down (connection refused)", "-", "-", "-");
    assertThat(lines.get(5)).isEqualTo("registry: unknown, not connected");
    assertThat(text.err).isEqualTo("roster status: could not connect to ZooKeeper at " + closed
        + " within 1s; is `roster up` running, or does --zk name the right server?\n");

    Result json = InProcessCli.run("status", "--json", "--zk", closed, "--timeout", "1s");
    assertThat(json.exitCode).isEqualTo(ExitCodes.UNREACHABLE);
    JsonNode root = new ObjectMapper().readTree(json.out);
    assertThat(root.get("connected").asBoolean()).isFalse();
    assertThat(root.get("members").get(0).get("problem").asText()).isEqualTo("down (connection refused)");
    assertThat(root.has("services")).isFalse();
  }

  @Test
  void statusProbesEveryServerOfTheConnectString() throws IOException {
    String closed = "127.0.0.1:" + closedPort();
    Result result = InProcessCli.run("status", "--json", "--zk", zk.connectString() + "," + closed, "--base-path", basePath);
    assertThat(result.exitCode).as(result.toString()).isZero();
    JsonNode members = new ObjectMapper().readTree(result.out).get("members");
    assertThat(members.size()).isEqualTo(2);
    assertThat(members.get(0).get("address").asText()).isEqualTo(zk.connectString());
    assertThat(members.get(0).get("mode").asText()).isEqualTo("standalone");
    assertThat(members.get(1).get("address").asText()).isEqualTo(closed);
    assertThat(members.get(1).get("mode").isNull()).isTrue();
    assertThat(members.get(1).get("problem").asText()).isEqualTo("down (connection refused)");
  }

  // ---- --codec

  @Test
  void theTextbookServersLayoutCanBeListedWatchedAndPickedWithTheRawCodec() throws Exception {
    // The textbook layout: /<name>/servers, each child an ephemeral sequential node of host:port.
    ZooKeeper client = client();
    create(client, basePath + "/servers/server0000000000", "127.0.0.1:9000", CreateMode.EPHEMERAL);

    Result raw = run("ls", "servers", "--codec", "raw");
    assertThat(raw.exitCode).as(raw.toString()).isZero();
    assertThat(raw.out.lines()).containsExactly(
        "ID                ADDRESS    PORT  ZONE  WEIGHT  STATUS  METADATA",
        "server0000000000  127.0.0.1  9000  -     100     UP      -");

    Result spring = run("ls", "servers");
    assertThat(spring.exitCode).as("none read as Spring JSON: not found").isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(spring.err).isEqualTo("roster ls: skipped 1 node of servers whose data could not be read as an "
        + "instance (another --codec, or detect, may read them)\n");

    assertThat(run("get", "servers", "--codec", "RAW").out).isEqualTo("127.0.0.1:9000\n");
    assertThat(run("ls", "servers", "--codec", "detect").out).contains("server0000000000  127.0.0.1  9000");

    // Under the root itself, as the textbook has it: /<service> directly.
    String textbook = name + "-servers";
    Background watch = new Background(WAIT, "watch", textbook, "--codec", "raw", "--base-path", "/",
        "--zk", zk.connectString());
    cleanup.add(watch);
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString())
        .contains(textbook + ": 0 instances at " + zk.connectString() + "/; watching"));
    create(client, "/" + textbook + "/server", "127.0.0.1:9001", CreateMode.EPHEMERAL_SEQUENTIAL);
    await().atMost(WAIT).untilAsserted(() -> assertThat(watch.out.toString())
        .containsPattern("  \\+ server\\d{10} 127\\.0\\.0\\.1:9001\n"));
    assertThat(watch.stop()).isZero();
  }

  @Test
  void registerWritesWithAWritableCodecAndRefusesAReadOnlyOne() throws Exception {
    Background register = new Background(WAIT, "register", "servers", "--address", "127.0.0.1", "--port", "9000",
        "--id", "server1", "--codec", "raw", "--zk", zk.connectString(), "--base-path", basePath);
    cleanup.add(register);
    ZooKeeper client = client();
    await().atMost(WAIT).until(() -> client.exists(basePath + "/servers/server1", false) != null);
    assertThat(new String(client.getData(basePath + "/servers/server1", false, null), StandardCharsets.UTF_8))
        .isEqualTo("127.0.0.1:9000");
    assertThat(register.stop()).isZero();

    for (String readOnly : List.of("nerve", "serverset", "detect")) {
      Result refused = InProcessCli.run("register", "servers", "--address", "127.0.0.1", "--port", "9000",
          "--codec", readOnly, "--zk", "127.0.0.1:1");
      assertThat(refused.exitCode).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
      assertThat(refused.err).startsWith("roster register: --codec " + readOnly + ": only reads (")
          .endsWith("), so it cannot register; use one of spring, curator, raw\n");
    }
    Result unknown = InProcessCli.run("ls", "--codec", "xml", "--zk", "127.0.0.1:1");
    assertThat(unknown.exitCode).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err).contains("'xml' is not a codec; expected one of spring, curator, raw, serverset, nerve, detect");
  }

  // ---- exit codes

  @Test
  void lsOfAServiceWithNoInstanceIsNotFound() {
    Result result = run("ls", "payments");
    assertThat(result.exitCode).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(result.out).isEqualTo("no instances of payments under " + zk.connectString() + basePath + "\n");
    assertThat(run("ls").exitCode).as("no services is an answer, not a miss").isZero();
  }

  @Test
  void everyCommandDocumentsTheExitCodes() {
    for (String command : List.of("up", "register", "ls", "watch", "get", "deregister", "status")) {
      Result help = InProcessCli.run(command, "--help");
      assertThat(help.exitCode).as(command).isZero();
      assertThat(help.out).as(command).contains("Exit codes:")
          .containsPattern("(?m)^\\s+0\\s+done")
          .containsPattern("(?m)^\\s+2\\s+bad input")
          .containsPattern("(?m)^\\s+3\\s+not found")
          .containsPattern("(?m)^\\s+4\\s+ZooKeeper unreachable");
    }
    for (String command : List.of("ls", "watch", "get", "register")) {
      assertThat(InProcessCli.run(command, "--help").out).as(command).contains("--codec");
    }
    assertThat(InProcessCli.run("--help").out).containsPattern("(?m)^  deregister\\s")
        .containsPattern("(?m)^  status\\s");
  }

  // ---- helpers

  private Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--zk", zk.connectString(), "--base-path", basePath));
    return InProcessCli.run(all.toArray(new String[0]));
  }

  private Roster roster() {
    Roster roster = Roster.builder().connectString(zk.connectString()).basePath(basePath).connectionTimeout(WAIT).build();
    cleanup.add(roster);
    return roster;
  }

  /** A plain client, as another tool would write nodes with. */
  private ZooKeeper client() throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper client = new ZooKeeper(zk.connectString(), 10_000, event -> {
      if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    cleanup.add(client::close);
    assertThat(connected.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    return client;
  }

  /** Creates a node and any missing parents (persistent). */
  private static void create(ZooKeeper client, String path, String data, CreateMode mode) throws Exception {
    int slash = path.lastIndexOf('/');
    StringBuilder parent = new StringBuilder();
    for (String part : path.substring(1, slash).split("/")) {
      parent.append('/').append(part);
      if (client.exists(parent.toString(), false) == null) {
        client.create(parent.toString(), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      }
    }
    client.create(path, data.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, mode);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
