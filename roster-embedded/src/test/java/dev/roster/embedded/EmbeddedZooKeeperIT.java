package dev.roster.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperIT {
  private static final Duration TICK = Duration.ofMillis(100);
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Everything a test starts, closed after it in reverse order. */
  private final Closer toClose = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    toClose.close();
  }

  @Test
  void servesRealClientsOnAFreePort() throws Exception {
    EmbeddedZooKeeper zk = started(EmbeddedZooKeeper.builder().tickTime(TICK));
    ZooKeeper client = connect(zk, 2_000, new RecordingWatcher());

    client.create("/greeting", "hello".getBytes(UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

    assertThat(zk.isRunning()).isTrue();
    assertThat(zk.port()).isBetween(1, 65_535);
    assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + zk.port());
    assertThat(new String(client.getData("/greeting", false, null), UTF_8)).isEqualTo("hello");
    assertThat(client.getChildren("/", false)).contains("greeting");
    assertThat(zk.minSessionTimeout()).isEqualTo(Duration.ofMillis(200));
    assertThat(zk.maxSessionTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void removesAContainerOnceItsLastChildIsGone() throws Exception {
    EmbeddedZooKeeper zk =
        started(
            EmbeddedZooKeeper.builder()
                .tickTime(TICK)
                .containerCheckInterval(Duration.ofMillis(100)));
    ZooKeeper client = connect(zk, 2_000, new RecordingWatcher());
    client.create("/services", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
    client.create("/services/one", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

    client.delete("/services/one", -1);

    await().atMost(WAIT).until(() -> client.exists("/services", false) == null);
  }

  @Test
  void keepsDataAndSessionsAcrossAShortRestartOnTheSamePort() throws Exception {
    EmbeddedZooKeeper zk =
        started(EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(200)));
    RecordingWatcher watcher = new RecordingWatcher();
    ZooKeeper client = connect(zk, 4_000, watcher);
    long session = client.getSessionId();
    client.create("/kept", "data".getBytes(UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    client.create("/mine", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    int port = zk.port();

    zk.stop();

    assertThat(zk.isRunning()).isFalse();
    assertThat(zk.sessionIds()).isEmpty();
    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Disconnected));
    // The port is free while the server is stopped.
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    }

    zk.restart();

    assertThat(zk.port()).isEqualTo(port);
    await().atMost(WAIT).until(() -> client.getState().isConnected());
    assertThat(client.getSessionId()).isEqualTo(session);
    assertThat(watcher.states()).doesNotContain(KeeperState.Expired);
    assertThat(zk.sessionIds()).contains(session);
    assertThat(new String(client.getData("/kept", false, null), UTF_8)).isEqualTo("data");
    assertThat(client.exists("/mine", false).getEphemeralOwner()).isEqualTo(session);
  }

  @Test
  void throwsPortInUseWhenThePortIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      assertThatThrownBy(() -> started(EmbeddedZooKeeper.builder().port(port)))
          .isInstanceOfSatisfying(
              PortInUseException.class, e -> assertThat(e.port()).isEqualTo(port))
          .hasMessage("port " + port + " on 127.0.0.1 is already in use");
    }
  }

  @Test
  void restartThrowsPortInUseWhenThePortWasTakenMeanwhile() throws Exception {
    EmbeddedZooKeeper zk = started(EmbeddedZooKeeper.builder().tickTime(TICK));
    zk.stop();
    try (ServerSocket taken =
        new ServerSocket(zk.port(), 50, InetAddress.getByName("127.0.0.1"))) {

      assertThatThrownBy(zk::restart)
          .isInstanceOfSatisfying(
              PortInUseException.class, e -> assertThat(e.port()).isEqualTo(taken.getLocalPort()));
      assertThat(zk.isRunning()).isFalse();
    }
    zk.restart();
    assertThat(zk.isRunning()).isTrue();
  }

  @Test
  void closeSessionDeletesEphemeralNodesAndExpiresTheClient() throws Exception {
    EmbeddedZooKeeper zk = started(EmbeddedZooKeeper.builder().tickTime(TICK));
    RecordingWatcher watcher = new RecordingWatcher();
    ZooKeeper client = connect(zk, 2_000, watcher);
    ZooKeeper observer = connect(zk, 2_000, new RecordingWatcher());
    client.create("/instance", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    long session = client.getSessionId();
    assertThat(zk.sessionIds()).contains(session, observer.getSessionId());

    zk.closeSession(session);

    // closeSession returns once the close is applied: no waiting needed for these two.
    assertThat(observer.exists("/instance", false)).isNull();
    assertThat(zk.sessionIds()).doesNotContain(session).contains(observer.getSessionId());
    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Expired));
    assertThatThrownBy(() -> zk.closeSession(session))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Long.toHexString(session));
  }

  @Test
  void countsRequestsPerSessionAndOperation() throws Exception {
    EmbeddedZooKeeper zk = started(EmbeddedZooKeeper.builder().tickTime(TICK));
    ZooKeeper reader = connect(zk, 2_000, new RecordingWatcher());
    ZooKeeper other = connect(zk, 2_000, new RecordingWatcher());
    reader.create("/counted", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    zk.resetRequestCounts();

    for (int i = 0; i < 3; i++) {
      reader.getData("/counted", false, null);
    }
    other.exists("/counted", false);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(zk.requestCounts(reader.getSessionId())).containsEntry("getData", 3L);
              assertThat(zk.requestCounts(other.getSessionId())).containsEntry("exists", 1L);
            });
    assertThat(zk.requestCounts(reader.getSessionId())).doesNotContainKey("exists");
    assertThat(zk.requestCounts()).containsEntry("getData", 3L).containsEntry("exists", 1L);
    assertThat(zk.requestCounts(42L)).isEmpty();

    zk.resetRequestCounts();
    assertThat(zk.requestCounts(reader.getSessionId())).doesNotContainKey("getData");
  }

  @Test
  void listensOnLoopbackOnly() throws Exception {
    EmbeddedZooKeeper zk = started(EmbeddedZooKeeper.builder().tickTime(TICK));

    assertThat(zk.boundAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(zk.boundAddress().getPort()).isEqualTo(zk.port());
    for (InetAddress address : otherLocalAddresses()) {
      assertThatThrownBy(() -> connectRaw(address, zk.port()))
          .as("connecting to %s:%d", address.getHostAddress(), zk.port())
          .isInstanceOfAny(ConnectException.class, SocketTimeoutException.class);
    }
  }

  @Test
  void closeDeletesATemporaryDataDirAndIsIdempotent() {
    EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().tickTime(TICK).start();
    Path dir = zk.dataDir();
    assertThat(dir).isDirectory();

    zk.close();
    zk.close();

    assertThat(zk.isRunning()).isFalse();
    assertThat(dir).doesNotExist();
    assertThatThrownBy(zk::restart).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeEndsEveryServerThread() throws Exception {
    EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().tickTime(TICK).start();
    ZooKeeper client = new ZooKeeper(zk.connectString(), 2_000, new RecordingWatcher());
    await().atMost(WAIT).until(() -> client.getState().isConnected());
    assertThat(serverThreads()).isNotEmpty();

    client.close();
    zk.close();

    await().atMost(WAIT).untilAsserted(() -> assertThat(serverThreads()).isEmpty());
  }

  @Test
  void keepsAGivenDataDirForTheNextServer(@TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("zk");
    try (EmbeddedZooKeeper first =
        EmbeddedZooKeeper.builder().tickTime(TICK).dataDir(dataDir).start()) {
      ZooKeeper client = connect(first, 2_000, new RecordingWatcher());
      client.create("/durable", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      client.close();
    }
    assertThat(Files.list(dataDir)).isNotEmpty();

    EmbeddedZooKeeper second = started(EmbeddedZooKeeper.builder().tickTime(TICK).dataDir(dataDir));
    ZooKeeper client = connect(second, 2_000, new RecordingWatcher());

    assertThat(client.exists("/durable", false)).isNotNull();
  }

  @Test
  void rejectsBadSettingsWithTheirValue() {
    assertThatThrownBy(() -> EmbeddedZooKeeper.builder().port(70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("70000");
    assertThatThrownBy(() -> EmbeddedZooKeeper.builder().tickTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tick time");
    assertThatThrownBy(
            () ->
                EmbeddedZooKeeper.builder()
                    .minSessionTimeout(Duration.ofSeconds(5))
                    .maxSessionTimeout(Duration.ofSeconds(1))
                    .start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("5000 ms > maximum 1000 ms");
  }

  private EmbeddedZooKeeper started(EmbeddedZooKeeper.Builder builder) {
    EmbeddedZooKeeper zk = builder.start();
    toClose.add(zk);
    return zk;
  }

  private ZooKeeper connect(EmbeddedZooKeeper zk, int sessionTimeoutMs, Watcher watcher)
      throws IOException {
    ZooKeeper client = new ZooKeeper(zk.connectString(), sessionTimeoutMs, watcher);
    toClose.add(client::close);
    await().atMost(WAIT).until(() -> client.getState().isConnected());
    return client;
  }

  /** Live threads that only a running ZooKeeper server has, by the names 3.9 gives them. */
  private static List<String> serverThreads() {
    List<String> prefixes =
        List.of(
            "NIOServerCxnFactory",
            "NIOWorkerThread",
            "ConnnectionExpirer",
            "SessionTracker",
            "SyncThread",
            "ProcessThread",
            "RequestThrottler",
            "ContainerManagerTask");
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> prefixes.stream().anyMatch(name::startsWith))
        .toList();
  }

  private static void connectRaw(InetAddress address, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 1_000);
    }
  }

  /** The IPv4 addresses of this host other than loopback; may be empty. */
  private static List<InetAddress> otherLocalAddresses() throws SocketException {
    List<InetAddress> addresses = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          addresses.add(address);
        }
      }
    }
    return addresses;
  }

  /** Records the connection states a client goes through. */
  static final class RecordingWatcher implements Watcher {
    private final List<KeeperState> states = new CopyOnWriteArrayList<>();

    @Override
    public void process(WatchedEvent event) {
      if (event.getType() == EventType.None) {
        states.add(event.getState());
      }
    }

    List<KeeperState> states() {
      return List.copyOf(states);
    }
  }
}
