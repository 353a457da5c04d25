package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * No flap: a reconnect where the session survived deletes and recreates nothing, and
 * neither does the first connection event arriving late after start.
 */
class NoFlapIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private Roster watcher;
  private ZooKeeper raw;

  @BeforeEach
  void connect() {
    watcher = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(4)).build();
    raw = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
  }

  @AfterEach
  void close() throws Exception {
    watcher.close();
    raw.close();
  }

  @Test
  void connectionBlipsShorterThanTheSessionChangeNothing() throws Exception {
    ServiceView view = watcher.watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    view.addListener(rec);
    AtomicInteger reconnects = new AtomicInteger();
    try (FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster server = Roster.builder().connectString(proxy.connectString())
            .sessionTimeout(Duration.ofSeconds(4)).eventListener(new RosterEventListener() {
              @Override
              public void connectionStateChanged(ConnectionState state) {
                if (state == ConnectionState.RECONNECTED) {
                  reconnects.incrementAndGet();
                }
              }
            }).build()) {
      server.register(ServiceInstance.builder("payments").id("p1").address("h").port(1).build());
      await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().contains("p1"));
      Stat before = Zk.stat(raw, "/services/payments/p1");
      long session = server.sessionId();

      for (int blip = 1; blip <= 5; blip++) {
        proxy.blip();
        int expected = blip;
        await().atMost(Duration.ofSeconds(3)).until(() -> reconnects.get() >= expected && server.isConnected());
      }

      Stat after = Zk.stat(raw, "/services/payments/p1");
      assertThat(after.getCzxid()).isEqualTo(before.getCzxid());
      assertThat(after.getMzxid()).isEqualTo(before.getMzxid());
      assertThat(server.sessionId()).isEqualTo(session);
      assertThat(rec.removedIds()).isEmpty();
      assertThat(rec.addedIds()).containsExactly("p1");
    }
  }

  @Test
  void registeringRightAfterStartNeverFlaps() throws Exception {
    ServiceView view = watcher.watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    view.addListener(rec);
    int total = 200;
    int batch = 20;
    Map<String, Long> czxids = new HashMap<>();
    for (int start = 0; start < total; start += batch) {
      List<Roster> servers = new ArrayList<>();
      CountDownLatch connectedEvents = new CountDownLatch(batch);
      for (int i = start; i < start + batch; i++) {
        Roster s = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(4))
            .eventListener(new RosterEventListener() {
              @Override
              public void connectionStateChanged(ConnectionState state) {
                if (state == ConnectionState.CONNECTED) {
                  connectedEvents.countDown();
                }
              }
            }).build();
        servers.add(s);
        // Immediately after build(): the CONNECTED event may not have been delivered yet.
        s.register(ServiceInstance.builder("payments").id("s" + i).address("h").port(1000 + i).build());
        czxids.put("s" + i, Zk.stat(raw, "/services/payments/s" + i).getCzxid());
      }
      // Every late CONNECTED event has been handled; then let the registrar finish its reconcile.
      assertThat(connectedEvents.await(5, TimeUnit.SECONDS)).isTrue();
      int end = start + batch;
      await().atMost(Duration.ofSeconds(2)).until(() -> {
        for (int i = end - batch; i < end; i++) {
          if (!rec.ids().contains("s" + i)) {
            return false;
          }
        }
        return true;
      });
      for (int i = start; i < end; i++) {
        assertThat(Zk.stat(raw, "/services/payments/s" + i).getCzxid()).as("czxid of s" + i)
            .isEqualTo(czxids.get("s" + i));
      }
      for (Roster s : servers) {
        s.close();
      }
      await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().isEmpty());
    }
    Map<String, Integer> adds = new HashMap<>();
    rec.addedIds().forEach(id -> adds.merge(id, 1, Integer::sum));
    Map<String, Integer> removes = new HashMap<>();
    rec.removedIds().forEach(id -> removes.merge(id, 1, Integer::sum));
    assertThat(adds).hasSize(total).allSatisfy((id, n) -> assertThat(n).as("adds of " + id).isEqualTo(1));
    assertThat(removes).hasSize(total).allSatisfy((id, n) -> assertThat(n).as("removes of " + id).isEqualTo(1));
    assertThat(rec.updatedIds()).isEmpty();
  }
}
