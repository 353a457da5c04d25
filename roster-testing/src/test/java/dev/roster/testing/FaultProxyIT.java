package dev.roster.testing;

import static dev.roster.testing.RecordingWatcher.WAIT;
import static dev.roster.testing.RecordingWatcher.connect;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FaultProxyIT {
  /*
   * A ZooKeeper client with one server waits 1 s before it reconnects, plus up to 1 s more at
   * random. A session that must survive a blip therefore needs a timeout well above 2 s: the
   * 200 ms tick allows up to 4 s.
   */
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(toClose);
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  @Test
  void passForwardsTrafficBothWays() throws Exception {
    FaultProxy proxy = proxy();
    ZooKeeper client = client(proxy, 4_000, new RecordingWatcher());

    client.create("/through", "proxy".getBytes(UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

    assertThat(new String(client.getData("/through", false, null), UTF_8)).isEqualTo("proxy");
    assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
    assertThat(proxy.openConnections()).isEqualTo(1);
    assertThat(proxy.connectString()).isEqualTo("127.0.0.1:" + proxy.port());
  }

  @Test
  void blipDisconnectsTheClientWhichReconnectsWithTheSameSession() throws Exception {
    FaultProxy proxy = proxy();
    RecordingWatcher watcher = new RecordingWatcher();
    ZooKeeper client = client(proxy, 4_000, watcher);
    long session = client.getSessionId();
    client.create("/blip", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

    proxy.blip();

    await()
        .atMost(WAIT)
        .until(() -> watcher.sawInOrder(KeeperState.Disconnected, KeeperState.SyncConnected));
    assertThat(client.getSessionId()).isEqualTo(session);
    assertThat(watcher.states()).doesNotContain(KeeperState.Expired);
    assertThat(client.exists("/blip", false).getEphemeralOwner()).isEqualTo(session);
    assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.PASS);
  }

  @Test
  void cutLongerThanTheSessionTimeoutExpiresTheSessionOnceHealed() throws Exception {
    FaultProxy proxy = proxy();
    RecordingWatcher watcher = new RecordingWatcher();
    ZooKeeper client = client(proxy, 1_000, watcher);
    long session = client.getSessionId();

    proxy.cut();

    assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.CUT);
    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Disconnected));
    await().atMost(WAIT).until(() -> !zk.server().sessionIds().contains(session));
    assertThat(watcher.states()).doesNotContain(KeeperState.Expired);

    proxy.heal();

    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Expired));
  }

  @Test
  void blackholeKeepsConnectionsOpenButTheClientDisconnects() throws Exception {
    FaultProxy proxy = proxy();
    RecordingWatcher watcher = new RecordingWatcher();
    client(proxy, 1_500, watcher);

    proxy.blackhole();

    assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.BLACKHOLE);
    assertThat(proxy.openConnections()).isEqualTo(1);
    // No ping answer gets through, so the client gives up on its connection.
    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Disconnected));

    proxy.heal();

    // Whether the session outlived the blackhole depends on timing; the client recovers either way.
    await()
        .atMost(WAIT)
        .until(
            () ->
                watcher.sawInOrder(KeeperState.Disconnected, KeeperState.SyncConnected)
                    || watcher.states().contains(KeeperState.Expired));
  }

  @Test
  void blackholeDropsBytesRatherThanDeliveringThemLater() throws Exception {
    EchoServer echo = new EchoServer();
    toClose.add(echo);
    FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.port());
    toClose.add(proxy);
    try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), proxy.port())) {
      socket.setSoTimeout((int) WAIT.toMillis());
      socket.getOutputStream().write('a');
      assertThat(readBytes(socket, 1)).isEqualTo("a");

      proxy.blackhole();
      socket.getOutputStream().write('b');
      // Proving that nothing arrives takes a bounded wait; 300 ms is plenty on loopback.
      socket.setSoTimeout(300);
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);

      proxy.heal();
      socket.setSoTimeout((int) WAIT.toMillis());
      socket.getOutputStream().write('c');
      assertThat(readBytes(socket, 1)).isEqualTo("c");
    }
  }

  @Test
  void delayAddsLatencyToEveryRoundTrip() throws Exception {
    FaultProxy proxy = proxy();
    ZooKeeper client = client(proxy, 4_000, new RecordingWatcher());
    Duration latency = Duration.ofMillis(250);

    proxy.delay(latency);
    long start = System.nanoTime();
    client.exists("/", false);
    Duration roundTrip = Duration.ofNanos(System.nanoTime() - start);

    assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.DELAY);
    // Once on the way in and once on the way out.
    assertThat(roundTrip).isGreaterThanOrEqualTo(latency.multipliedBy(2));
  }

  @Test
  void closeResetsConnectionsAndEndsEveryThread() throws Exception {
    FaultProxy proxy = FaultProxy.start(zk.connectString());
    RecordingWatcher watcher = new RecordingWatcher();
    client(proxy, 4_000, watcher);
    String prefix = "roster-fault-proxy-" + proxy.port() + "-";
    assertThat(threadsNamed(prefix)).isNotEmpty();

    proxy.close();
    proxy.close();

    assertThat(threadsNamed(prefix)).isEmpty();
    assertThat(proxy.openConnections()).isZero();
    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Disconnected));
  }

  @Test
  void rejectsAConnectStringOfMoreThanOneServer() {
    assertThatThrownBy(() -> FaultProxy.start("127.0.0.1:2181,127.0.0.1:2182"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'127.0.0.1:2181,127.0.0.1:2182'");
    assertThatThrownBy(() -> FaultProxy.start("127.0.0.1", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("target port 0");
  }

  private FaultProxy proxy() {
    FaultProxy proxy = FaultProxy.start(zk.connectString());
    toClose.add(proxy);
    return proxy;
  }

  private ZooKeeper client(FaultProxy proxy, int sessionTimeoutMs, RecordingWatcher watcher)
      throws IOException, InterruptedException {
    ZooKeeper client = connect(proxy.connectString(), sessionTimeoutMs, watcher);
    toClose.add(client::close);
    return client;
  }

  private static String readBytes(Socket socket, int count) throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder read = new StringBuilder();
    while (read.length() < count) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("end of stream after '" + read + "'");
      }
      read.append((char) b);
    }
    return read.toString();
  }

  private static List<String> threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix))
        .toList();
  }
}
