package dev.roster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.ServiceInstance.Status;
import dev.roster.codec.Foreign;
import dev.roster.codec.Golden;
import dev.roster.codec.InstanceCodec;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Layouts other tools write, watched by Roster views: the textbook raw layout of the seed
 * (separate ZooKeeper sessions creating EPHEMERAL_SEQUENTIAL nodes), and one path where
 * Curator, ServerSet, Nerve and raw writers all register.
 */
class ForeignLayoutsIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Roster roster(InstanceCodec codec, String basePath) {
    Roster r = Roster.builder().connectString(zk.connectString()).codec(codec).basePath(basePath)
        .sessionTimeout(Duration.ofSeconds(2)).build();
    closeables.add(r);
    return r;
  }

  /** One plain ZooKeeper client: its own session, as a separate process would have. */
  private ZooKeeper process() {
    ZooKeeper z = Zk.connect(zk.connectString(), Duration.ofSeconds(2));
    closeables.add(z::close);
    return z;
  }

  private static void ensurePersistent(ZooKeeper z, String path) throws Exception {
    try {
      z.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    } catch (KeeperException.NodeExistsException e) {
      // made by another "process"
    }
  }

  private static Set<String> hostPorts(ServiceView view) {
    return view.instances().stream().map(ServiceInstance::hostPort).collect(Collectors.toSet());
  }

  @Test
  void theSeedsLayoutIsWatchedWithTheRawCodec() throws Exception {
    ServiceView view = roster(InstanceCodec.raw(), "/").watch("servers");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    view.addListener(rec);

    // Three servers, each its own session, announce themselves as the seed's Go code does.
    List<ZooKeeper> servers = new ArrayList<>();
    List<String> nodes = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      ZooKeeper server = process();
      ensurePersistent(server, "/servers");
      nodes.add(server.create("/servers/server", ("127.0.0.1:900" + n).getBytes(UTF_8),
          ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL));
      servers.add(server);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 3);
    assertThat(hostPorts(view)).containsExactlyInAnyOrder("127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003");
    ServiceInstance first = view.instances().stream().filter(i -> i.port() == 9001).findFirst().orElseThrow();
    assertThat(first.id()).isEqualTo(nodes.get(0).substring("/servers/".length())).matches("server\\d{10}");
    assertThat(first.service()).isEqualTo("servers");
    assertThat(first.payload().toUtf8()).isEqualTo("127.0.0.1:9001");
    assertThat(first.isUp()).isTrue();

    // A server's process ends: its session closes, its node goes, the view follows.
    servers.get(1).close();
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 2 && rec.removedIds().size() == 1);
    assertThat(hostPorts(view)).containsExactlyInAnyOrder("127.0.0.1:9001", "127.0.0.1:9003");
    assertThat(rec.removedIds()).containsExactly(nodes.get(1).substring("/servers/".length()));

    // A new one arrives.
    ZooKeeper late = process();
    late.create("/servers/server", "127.0.0.1:9004".getBytes(UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL_SEQUENTIAL);
    await().atMost(Duration.ofSeconds(2)).until(() -> hostPorts(view).contains("127.0.0.1:9004"));
    assertThat(view.instances()).hasSize(3);

    // Selection works on what was parsed.
    assertThat(view.selector(dev.roster.balance.Strategies.roundRobin()).pick().address()).isEqualTo("127.0.0.1");
  }

  @Test
  void rosterWritesTheRawLayoutThatAPlainClientReads() throws Exception {
    Roster writer = roster(InstanceCodec.raw(), "/");
    writer.register(ServiceInstance.builder("textbook").id("server-a").address("127.0.0.1").port(9100).build());
    writer.register(ServiceInstance.builder("textbook").id("server-b").address("127.0.0.1").port(9101)
        .payload(new byte[] {1, 2, 3}).build());
    ZooKeeper plain = process();
    assertThat(plain.getData("/textbook/server-a", false, null)).isEqualTo("127.0.0.1:9100".getBytes(UTF_8));
    assertThat(plain.getData("/textbook/server-b", false, null)).isEqualTo(new byte[] {1, 2, 3});
    assertThat(plain.exists("/textbook/server-a", false).getEphemeralOwner()).isEqualTo(writer.sessionId());

    ServiceView view = roster(InstanceCodec.raw(), "/").watch("textbook");
    view.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("server-a", "server-b");
    assertThat(view.instances().get(1).payload()).isEqualTo(Bytes.of(new byte[] {1, 2, 3}));
    assertThat(view.instances().get(1).port()).isZero(); // the bytes are not host:port
  }

  @Test
  void oneDetectingViewWatchesAPathWhereEveryToolRegisters() throws Exception {
    ZooKeeper tools = process();
    Zk.createPersistent(tools, "/services/mixed/member_0000000001", Golden.bytes("serverset.json"));
    tools.create("/services/mixed/i-0abc123_", Golden.bytes("nerve.json"), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL_SEQUENTIAL);
    tools.create("/services/mixed/spring-1", Foreign.springBytes("spring-1"), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL);
    tools.create("/services/mixed/curator-1", Foreign.curatorBytes("curator-1", true), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL);
    tools.create("/services/mixed/server", "10.0.0.10:7000".getBytes(UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL_SEQUENTIAL);
    tools.create("/services/mixed/broken", "{\"address\":".getBytes(UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL);
    // Roster itself registers there too, with its default codec.
    roster(InstanceCodec.springCloud(), "/services").register(ServiceInstance.builder("mixed").id("roster-1")
        .address("10.0.0.11").port(7001).zone("eu-west-1a").build());

    ServiceView view = roster(InstanceCodec.detecting(), "/services").watch("mixed");
    view.whenReady().get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 6);
    Map<String, String> byAddress = view.instances().stream()
        .collect(Collectors.toMap(ServiceInstance::hostPort, i -> i.zone() == null ? "-" : i.zone()));
    assertThat(byAddress).containsOnly(
        Map.entry("10.0.0.8:31000", "-"),          // ServerSet
        Map.entry("10.0.0.9:8080", "us-east-1a"),  // Nerve
        Map.entry("10.0.0.7:8080", "eu-west-1c"),  // Spring Cloud Zookeeper
        Map.entry("10.0.0.6:8080", "eu-west-1b"),  // Curator
        Map.entry("10.0.0.10:7000", "-"),          // raw
        Map.entry("10.0.0.11:7001", "eu-west-1a")); // Roster
    assertThat(view.skippedNodes()).isEqualTo(1); // the broken one, and only it
    assertThat(view.instances()).allMatch(i -> i.status() == Status.UP);
  }

  @Test
  void aRosterWithAReadOnlyCodecRefusesToRegisterBeforeSendingAnything() throws Exception {
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.detecting(), InstanceCodec.serverSet(),
        InstanceCodec.nerve()}) {
      Roster reader = roster(codec, "/readonly");
      assertThatThrownBy(() -> reader.register(ServiceInstance.builder("svc").id("i1").address("h").port(1).build()))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessage("cannot register 'svc/i1': this Roster's codec '" + codec.name() + "' is read-only (it reads"
              + " other tools' nodes); build a Roster with InstanceCodec.springCloud(), curator() or raw() to"
              + " register");
      // ...while it watches perfectly well.
      assertThat(reader.watch("svc").whenReady().get(5, TimeUnit.SECONDS).instances()).isEmpty();
    }
    assertThat(process().exists("/readonly", false)).isNull();
  }
}
