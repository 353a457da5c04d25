package dev.roster.testing;

import static dev.roster.testing.RecordingWatcher.WAIT;
import static dev.roster.testing.RecordingWatcher.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.embedded.LocalEnsemble;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProxiedEnsembleIT {
  private static LocalEnsemble ensemble;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void startEnsemble() {
    ensemble = LocalEnsemble.builder().start();
  }

  @AfterAll
  static void closeEnsemble() {
    ensemble.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(toClose);
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  @Test
  void oneProxyPerMemberInMemberOrder() throws Exception {
    ProxiedEnsemble proxied = proxied();

    assertThat(proxied.ensemble()).isSameAs(ensemble);
    assertThat(proxied.proxies()).hasSize(3);
    assertThat(proxied.connectString())
        .isEqualTo(
            proxied.proxy(0).connectString()
                + ","
                + proxied.proxy(1).connectString()
                + ","
                + proxied.proxy(2).connectString());
    assertThat(proxied.proxy(ensemble.member(1))).isSameAs(proxied.proxy(1));
    for (int i = 0; i < 3; i++) {
      assertThat(proxied.proxy(i).port()).isNotEqualTo(ensemble.member(i).clientPort());
    }

    ZooKeeper client = client(proxied.connectString(), new RecordingWatcher());
    client.create("/proxied", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    assertThat(client.exists("/proxied", false)).isNotNull();
  }

  @Test
  void cuttingOneMemberFromAClientLeavesTheOthersReachable() throws Exception {
    ProxiedEnsemble proxied = proxied();
    RecordingWatcher watcher = new RecordingWatcher();
    ZooKeeper onlyFirst = client(proxied.proxy(0).connectString(), watcher);
    long session = onlyFirst.getSessionId();
    ZooKeeper others =
        client(
            proxied.proxy(1).connectString() + "," + proxied.proxy(2).connectString(),
            new RecordingWatcher());

    proxied.proxy(0).cut();

    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Disconnected));
    others.create("/while-cut", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    // The member itself is fine: only this client's path to it is cut.
    assertThat(ensemble.member(0).mode()).isPresent();

    proxied.healAll();

    await()
        .atMost(WAIT)
        .until(() -> watcher.sawInOrder(KeeperState.Disconnected, KeeperState.SyncConnected));
    assertThat(onlyFirst.getSessionId()).isEqualTo(session);
    onlyFirst.sync("/while-cut");
    await().atMost(WAIT).until(() -> onlyFirst.exists("/while-cut", false) != null);
  }

  @Test
  void closeClosesTheProxiesButNotTheEnsemble() throws Exception {
    ProxiedEnsemble proxied = ProxiedEnsemble.start(ensemble);
    int port = proxied.proxy(0).port();

    proxied.close();
    proxied.close();

    try (Socket socket = new Socket()) {
      InetSocketAddress closed = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
      assertThatThrownBy(() -> socket.connect(closed, 1_000)).isInstanceOf(ConnectException.class);
    }
    ensemble.awaitQuorum(WAIT);
    ZooKeeper direct = client(ensemble.connectString(), new RecordingWatcher());
    assertThat(direct.exists("/", false)).isNotNull();
  }

  private ProxiedEnsemble proxied() {
    ProxiedEnsemble proxied = ProxiedEnsemble.start(ensemble);
    toClose.add(proxied);
    return proxied;
  }

  private ZooKeeper client(String connectString, RecordingWatcher watcher)
      throws IOException, InterruptedException {
    // 4 s: a client with one server waits 1 to 2 s before reconnecting after a cut.
    ZooKeeper client = connect(connectString, 4_000, watcher);
    toClose.add(client::close);
    return client;
  }
}
