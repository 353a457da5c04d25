package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.SessionExpiry;
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
 * (as after a quorum loss, or Curator's simulated expiry) is replaced in one transaction, and
 * watchers are not told the instance went away.
 */
class FencingIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  @Test
  void ourOwnStaleNodeIsReplacedInOneTransactionWithoutARemoval() throws Exception {
    List<Long> replaced = new CopyOnWriteArrayList<>();
    try (Roster client = Roster.builder().connectString(zk.connectString()).build();
        Roster server = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(4))
            .eventListener(new RosterEventListener() {
              @Override
              public void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {
                replaced.add(oldSessionId);
              }
            }).build()) {
      ZooKeeper raw = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
      try {
        server.register(ServiceInstance.builder("payments").id("p1").address("h").port(1).build());
        ServiceView view = client.watch("payments");
        view.whenReady().get(5, TimeUnit.SECONDS);
        Recorder rec = new Recorder();
        view.addListener(rec);
        await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().contains("p1"));
        long oldSession = server.sessionId();

        // The client decides its session is gone while the server still holds it and its
        // ephemeral node: exactly what Curator's simulated expiry and a leader change do.
        SessionExpiry.expireClientSide(Zk.handle(server));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Stat s = Zk.stat(raw, "/services/payments/p1");
          assertThat(s).isNotNull();
          assertThat(s.getEphemeralOwner()).isNotEqualTo(oldSession).isEqualTo(server.sessionId());
        });
        assertThat(replaced).containsExactly(oldSession);
        // Outlive the old session on the server: its expiry must not take the new node with it.
        await().atMost(Duration.ofSeconds(10)).until(() -> !zk.server().sessionIds().contains(oldSession));
        assertThat(Zk.stat(raw, "/services/payments/p1").getEphemeralOwner()).isEqualTo(server.sessionId());
        assertThat(rec.removedIds()).as("removals seen by the watcher").isEmpty();
        assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
      } finally {
        raw.close();
      }
    }
  }
}
