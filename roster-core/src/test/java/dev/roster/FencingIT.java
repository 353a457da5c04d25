package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Owner fencing: a node left by one of our own sessions that the server has not expired yet
 * is replaced in one transaction, and watchers are not told the instance went away.
 *
 * <p>The fault is the real one. The server is down for longer than the registrant's session
 * timeout, so Curator gives the session up and opens a new one; but a restarted server (like
 * a new leader after a quorum loss) restores the old session with a fresh clock, ephemeral
 * node included. The registrant then meets its own stale node.
 */
class FencingIT {
  /** Tick 500 ms: sessions of 1–10 s, so the watcher's session can outlive the outage. */
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(500));

  @Test
  void ourOwnStaleNodeIsReplacedInOneTransactionWithoutARemoval() throws Exception {
    List<Long> replaced = new CopyOnWriteArrayList<>();
    List<RosterEventListener.ConnectionState> states = new CopyOnWriteArrayList<>();
    try (Roster client = Roster.builder().connectString(zk.connectString())
            .sessionTimeout(Duration.ofSeconds(10)).build();
        Roster server = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(3))
            .eventListener(new RosterEventListener() {
              @Override
              public void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {
                replaced.add(oldSessionId);
              }

              @Override
              public void connectionStateChanged(ConnectionState state) {
                states.add(state);
              }
            }).build()) {
      server.register(ServiceInstance.builder("payments").id("p1").address("h").port(1).build());
      ServiceView view = client.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      Recorder rec = new Recorder();
      view.addListener(rec);
      await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().contains("p1"));
      long oldSession = server.sessionId();
      byte[] oldPassword = Zk.sessionPassword(server);
      long watcherSession = client.sessionId();

      zk.server().stop();
      // Curator gives the registrant's session up once the outage outlasts its timeout.
      await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(RosterEventListener.ConnectionState.LOST));
      assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
      zk.server().restart();
      // The restored session lives only one session timeout after the restart; if the
      // registrant's reconnect were slower than that, the stale node would be gone before it
      // looked. Holding the old session open with its id and password, as a process that was
      // only slow would, makes the stale node certain to be there.
      ZooKeeper oldHolder = Zk.reopen(zk.connectString(), oldSession, oldPassword, Duration.ofSeconds(3));
      ZooKeeper raw = Zk.connect(zk.connectString(), Duration.ofSeconds(10));
      try {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Stat s = Zk.stat(raw, "/services/payments/p1");
          assertThat(s).isNotNull();
          assertThat(s.getEphemeralOwner()).isNotEqualTo(oldSession).isEqualTo(server.sessionId());
          // The server commits the transaction before the client hears back, so the event
          // may trail the node by a moment.
          assertThat(replaced).containsExactly(oldSession);
        });
        // The old session ends on the server; the new node must survive that.
        oldHolder.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !zk.server().sessionIds().contains(oldSession));
        assertThat(Zk.stat(raw, "/services/payments/p1").getEphemeralOwner()).isEqualTo(server.sessionId());
        // The watcher kept its session through the outage and saw the replacement live.
        assertThat(client.sessionId()).isEqualTo(watcherSession);
        await().atMost(Duration.ofSeconds(5)).until(() -> !view.isStale());
        assertThat(rec.removedIds()).as("removals seen by the watcher").isEmpty();
        assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
      } finally {
        oldHolder.close();
        raw.close();
      }
    }
  }
}
