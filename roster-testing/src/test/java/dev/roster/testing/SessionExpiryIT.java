package dev.roster.testing;

import static dev.roster.testing.RecordingWatcher.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionExpiryIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private final List<ZooKeeper> clients = new ArrayList<>();

  @AfterEach
  void closeClients() throws InterruptedException {
    for (ZooKeeper client : clients) {
      client.close();
    }
  }

  @Test
  void expireEndsTheSessionOnTheServerAndTheClientSeesExpired() throws Exception {
    RecordingWatcher watcher = new RecordingWatcher();
    ZooKeeper client = connect(watcher);
    ZooKeeper observer = connect(new RecordingWatcher());
    client.create("/expiring", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    long session = client.getSessionId();

    SessionExpiry.expire(
        zk.connectString(), session, client.getSessionPasswd(), Duration.ofSeconds(10));

    // The server refuses the session as soon as it starts closing it; the rest follows at once.
    await().atMost(WAIT).until(() -> !zk.server().sessionIds().contains(session));
    await().atMost(WAIT).until(() -> observer.exists("/expiring", false) == null);
    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Expired));
    assertThat(client.getState().isAlive()).isFalse();
  }

  @Test
  void expireClientSideTellsTheClientOnly() throws Exception {
    RecordingWatcher watcher = new RecordingWatcher();
    ZooKeeper client = connect(watcher);
    ZooKeeper observer = connect(new RecordingWatcher());
    client.create("/lingering", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    long session = client.getSessionId();

    SessionExpiry.expireClientSide(client);

    await().atMost(WAIT).until(() -> watcher.states().contains(KeeperState.Expired));
    assertThat(client.getState().isAlive()).isFalse();
    // The server learns nothing until the session times out; then the node goes.
    await().atMost(WAIT).until(() -> !zk.server().sessionIds().contains(session));
    await().atMost(WAIT).until(() -> observer.exists("/lingering", false) == null);
  }

  @Test
  void expireSaysSoWhenItCannotConnect() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = socket.getLocalPort();
    }
    String nowhere = "127.0.0.1:" + closedPort;

    assertThatThrownBy(
            () -> SessionExpiry.expire(nowhere, 0x1234L, new byte[16], Duration.ofMillis(500)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("could not connect to " + nowhere + " within PT0.5S to expire session 0x1234");
  }

  private ZooKeeper connect(RecordingWatcher watcher) throws IOException, InterruptedException {
    ZooKeeper client = RecordingWatcher.connect(zk.connectString(), 2_000, watcher);
    clients.add(client);
    return client;
  }
}
