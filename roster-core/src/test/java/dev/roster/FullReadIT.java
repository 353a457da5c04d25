package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.internal.ZkOps;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A view's full read fetches its nodes several to a request, and falls back when a batch cannot be read. */
class FullReadIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void aFirstReadOf250InstancesCostsFiveRequests() throws Exception {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build()) {
      for (int i = 0; i < 250; i++) {
        servers.register(ServiceInstance.builder("payments").id("p" + i).address("h").port(1).build());
      }
      try (Roster client = Roster.builder().connectString(zk.connectString()).build()) {
        ServiceView view = client.watch("payments");
        view.whenReady().get(10, TimeUnit.SECONDS);
        assertThat(view.instances()).hasSize(250);
        Map<String, Long> sent = zk.server().requestCounts(client.sessionId());
        assertThat(sent).containsEntry("addWatch", 1L).containsEntry("getChildren2", 1L)
            .containsEntry("multiRead", 3L).doesNotContainKey("getData");
      }
    }
  }

  @Test
  void aBatchWithANodeGoneSinceTheListingReadsTheOthers() throws Exception {
    ZooKeeper other = Zk.connect(zk.connectString(), Duration.ofSeconds(10));
    try {
      Zk.createPersistent(other, "/services/payments/p1", "one".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.util.List<ZkOps.NodeData> nodes = ZkOps.await(ZkOps.getDataAll(other,
          java.util.List.of("/services/payments/gone", "/services/payments/p1")), Duration.ofSeconds(10));
      assertThat(nodes).hasSize(2);
      assertThat(nodes.get(0)).isNull();
      assertThat(new String(nodes.get(1).data(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("one");
    } finally {
      other.close();
    }
  }

  @Test
  void nodesTooLargeToBeReadTogetherAreReadOneByOne() throws Exception {
    // Two foreign nodes of 700 KB: one batch holding both would be a reply larger than the
    // client's limit, which drops the connection; one each fits.
    ZooKeeper other = Zk.connect(zk.connectString(), Duration.ofSeconds(10));
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build()) {
      servers.register(ServiceInstance.builder("payments").id("p1").address("h").port(1).build());
      byte[] junk = new byte[700_000];
      Arrays.fill(junk, (byte) 'x');
      Zk.createPersistent(other, "/services/payments/big-1", junk);
      Zk.createPersistent(other, "/services/payments/big-2", junk);
      try (Roster client = Roster.builder().connectString(zk.connectString()).build()) {
        ServiceView view = client.watch("payments");
        view.whenReady().get(30, TimeUnit.SECONDS);
        assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
        assertThat(view.skippedNodes()).isEqualTo(2);
        // The dropped connection's own events can arrive after the read that made the view
        // ready, and leave it stale until the reconnect's read: fresh within a bound.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !view.isStale());
      }
    } finally {
      other.close();
    }
  }
}
