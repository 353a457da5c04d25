package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Read cost per change, counted by the server: a Roster view reads one node per change,
 * while the textbook watcher re-lists and re-reads every instance on every change.
 */
class ReadsPerChangeIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private static final int INSTANCES = 1000;
  private static final int CHANGES = 100;

  private ZooKeeper base;

  @org.junit.jupiter.api.AfterEach
  void closeBase() throws InterruptedException {
    if (base != null) {
      base.close();
    }
  }

  /** The 1,000 instances that are watched, created pipelined by one plain client. */
  private void createBaseInstances() throws Exception {
    base = Zk.connect(zk.connectString(), Duration.ofSeconds(10));
    Zk.createPersistent(base, "/services/payments/base-0",
        dev.roster.codec.InstanceCodec.springCloud().encode(instance("base-0")));
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(INSTANCES - 1);
    AtomicInteger failures = new AtomicInteger();
    for (int i = 1; i < INSTANCES; i++) {
      base.create("/services/payments/base-" + i, dev.roster.codec.InstanceCodec.springCloud().encode(instance("base-" + i)),
          org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE, org.apache.zookeeper.CreateMode.EPHEMERAL,
          (rc, path, ctx, name) -> {
            if (rc != 0) {
              failures.incrementAndGet();
            }
            done.countDown();
          }, null);
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(failures).hasValue(0);
  }

  private static ServiceInstance instance(String id) {
    return ServiceInstance.builder("payments").id(id).address("10.0.0.1").port(8080).build();
  }

  private long readsOf(long sessionId) {
    long reads = 0;
    for (Map.Entry<String, Long> e : zk.server().requestCounts(sessionId).entrySet()) {
      if (!e.getKey().equals("ping")) {
        reads += e.getValue();
      }
    }
    return reads;
  }

  @Test
  void rosterReadsAtMostOneNodePerChange() throws Exception {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build();
        Roster client = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(4)).build()) {
      createBaseInstances();
      ServiceView view = client.watch("payments");
      view.whenReady().get(10, TimeUnit.SECONDS);
      assertThat(view.instances()).hasSize(INSTANCES);
      long before = readsOf(client.sessionId());

      List<Registration> added = new ArrayList<>();
      for (int i = 0; i < CHANGES; i++) {
        added.add(servers.register(ServiceInstance.builder("payments").id("new-" + i).address("h").port(1 + i).build()));
        int expected = INSTANCES + i + 1;
        await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == expected);
      }
      for (int i = 0; i < CHANGES; i++) {
        added.get(i).close();
        int expected = INSTANCES + CHANGES - i - 1;
        await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == expected);
      }
      long reads = readsOf(client.sessionId()) - before;
      System.out.printf("Roster view: %d reads for %d changes with %d instances watched = %.2f reads per change%n",
          reads, 2 * CHANGES, INSTANCES, reads / (double) (2 * CHANGES));
      // One read per add; a removal costs none (see the next test for why that is safe).
      assertThat(reads).isLessThanOrEqualTo(CHANGES);
    }
  }

  /**
   * A removal is taken from the watch event alone, without a read; a replacement (Roster's
   * transaction that first writes the service node, then deletes and creates the instance) is
   * re-read, and never shown as a removal.
   */
  @Test
  void aRemovalCostsNoReadAndAReplacementInOneTransactionIsNoRemoval() throws Exception {
    try (Roster client = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(4)).build()) {
      base = Zk.connect(zk.connectString(), Duration.ofSeconds(10));
      byte[] p1 = dev.roster.codec.InstanceCodec.springCloud().encode(instance("p1"));
      byte[] p1Moved = dev.roster.codec.InstanceCodec.springCloud().encode(
          ServiceInstance.builder("payments").id("p1").address("10.0.0.2").port(9090).build());
      Zk.createPersistent(base, "/services/payments/p1", p1);
      Zk.createPersistent(base, "/services/payments/p2", dev.roster.codec.InstanceCodec.springCloud().encode(instance("p2")));
      ServiceView view = client.watch("payments");
      Recorder rec = new Recorder();
      view.whenReady().get(10, TimeUnit.SECONDS);
      view.addListener(rec);

      base.multi(List.of(
          org.apache.zookeeper.Op.setData("/services/payments", new byte[0], -1),
          org.apache.zookeeper.Op.delete("/services/payments/p1", -1),
          org.apache.zookeeper.Op.create("/services/payments/p1", p1Moved, org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE,
              org.apache.zookeeper.CreateMode.PERSISTENT)));
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().stream().anyMatch(i -> i.port() == 9090));
      assertThat(rec.removedIds()).as("removals told for a replaced instance").isEmpty();

      long before = readsOf(client.sessionId());
      base.delete("/services/payments/p2", -1);
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.removedIds().contains("p2"));
      assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
      assertThat(readsOf(client.sessionId()) - before).as("requests the watcher sent for a removal").isZero();
    }
  }

  /** The textbook watcher: a one-shot child watch, and on every event re-list and re-read everything. */
  static final class TextbookWatcher implements Watcher {
    final ZooKeeper zk;
    final String path;
    final Map<String, byte[]> servers = new ConcurrentHashMap<>();
    final AtomicInteger refreshes = new AtomicInteger();

    TextbookWatcher(ZooKeeper zk, String path) {
      this.zk = zk;
      this.path = path;
    }

    synchronized void refresh() throws Exception {
      List<String> children = zk.getChildren(path, this);
      Map<String, byte[]> next = new ConcurrentHashMap<>();
      for (String child : children) {
        byte[] data = zk.getData(path + "/" + child, false, null);
        if (data != null) {
          next.put(child, data);
        }
      }
      servers.keySet().retainAll(next.keySet());
      servers.putAll(next);
      refreshes.incrementAndGet();
    }

    @Override
    public void process(WatchedEvent event) {
      if (event.getType() == Event.EventType.NodeChildrenChanged) {
        try {
          refresh();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  @Test
  void textbookWatcherReadsEveryNodeOnEveryChange() throws Exception {
    int changes = 10;
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build()) {
      createBaseInstances();
      ZooKeeper raw = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
      try {
        TextbookWatcher textbook = new TextbookWatcher(raw, "/services/payments");
        textbook.refresh();
        long before = readsOf(raw.getSessionId());
        for (int i = 0; i < changes; i++) {
          servers.register(ServiceInstance.builder("payments").id("new-" + i).address("h").port(1 + i).build());
          int expected = INSTANCES + i + 1;
          await().atMost(Duration.ofSeconds(5)).until(() -> textbook.servers.size() == expected);
        }
        long reads = readsOf(raw.getSessionId()) - before;
        System.out.printf("Textbook watcher: %d reads for %d changes with %d instances watched = %.1f reads per change%n",
            reads, changes, INSTANCES, reads / (double) changes);
        assertThat(reads).isGreaterThanOrEqualTo((long) changes * INSTANCES);
        assertThat(textbook.servers.keySet()).containsAll(Set.of("base-0", "new-0"));
      } finally {
        raw.close();
      }
    }
  }
}
