package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.ServiceChange;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.LocalEnsemble;
import dev.roster.testing.FaultProxy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults at scale on a real 3-node ensemble: connection resets racing creates, a server
 * restarted under 10,000 watched instances, and two minutes of churn.
 */
class ScaleFaultsIT {
  private static LocalEnsemble ensemble;

  @BeforeAll
  static void startEnsemble() {
    ensemble = LocalEnsemble.builder().size(3).tickTime(Duration.ofMillis(200)).start();
  }

  @AfterAll
  static void stopEnsemble() {
    if (ensemble != null) {
      ensemble.close();
    }
  }

  private static ZooKeeper raw() throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(ensemble.connectString(), 10_000, e -> {
      if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
    return zk;
  }

  @Test
  void connectionResetRightAfterCreateLeavesNoDuplicateAndNoOrphan() throws Exception {
    int clients = 20;
    int trialsEach = 10;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<FaultProxy> proxies = new ArrayList<>();
    List<Roster> rosters = new ArrayList<>();
    Map<String, Roster> succeeded = new ConcurrentHashMap<>();
    Map<String, Registration> registrations = new ConcurrentHashMap<>();
    AtomicInteger failed = new AtomicInteger();
    try {
      for (int c = 0; c < clients; c++) {
        // Each client has its own proxy to one member, so a reset hits only its own create.
        FaultProxy proxy = FaultProxy.start(ensemble.member(c % ensemble.size()).connectString());
        proxies.add(proxy);
        rosters.add(Roster.builder().connectString(proxy.connectString()).sessionTimeout(Duration.ofSeconds(4))
            .operationTimeout(Duration.ofMillis(1500)).build());
      }
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        done.add(CompletableFuture.runAsync(() -> {
          Random random = new Random(client);
          for (int t = 0; t < trialsEach; t++) {
            int trial = t;
            String id = "c" + client + "-t" + t;
            Roster roster = rosters.get(client);
            await().atMost(Duration.ofSeconds(10)).until(roster::isConnected);
            CompletableFuture<Registration> reg = CompletableFuture.supplyAsync(() -> roster.register(
                ServiceInstance.builder("reset").id(id).address("h").port(1 + trial).build()));
            // Reset the connection while the create is in flight (a few hundred microseconds in).
            long spin = System.nanoTime() + random.nextInt(2_000_000);
            while (System.nanoTime() < spin) {
              Thread.onSpinWait();
            }
            proxies.get(client).blip();
            try {
              registrations.put(id, reg.join());
              succeeded.put(id, roster);
            } catch (java.util.concurrent.CompletionException e) {
              assertThat(e.getCause()).isInstanceOf(RosterException.class);
              failed.incrementAndGet();
            }
          }
        }, pool));
      }
      CompletableFuture.allOf(done.toArray(new CompletableFuture[0])).get(5, TimeUnit.MINUTES);
      // Settled: every success exists exactly once, owned by its client's session; no failure left a node.
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        Map<String, Truth.Node> truth = Truth.read(ensemble.connectString(), "reset");
        assertThat(truth.keySet()).as("nodes present (no orphans)").isEqualTo(succeeded.keySet());
        succeeded.forEach((id, roster) ->
            assertThat(truth.get(id).owner()).as("owner of %s", id).isEqualTo(roster.sessionId()));
      });
      System.out.printf("connection reset after create: %d trials, %d registered, %d failed in time, 0 duplicates, 0 orphans%n",
          clients * trialsEach, succeeded.size(), failed.get());
      assertThat(succeeded.size() + failed.get()).isEqualTo(clients * trialsEach);
    } finally {
      for (Roster r : rosters) {
        r.close();
      }
      for (FaultProxy p : proxies) {
        p.close();
      }
      pool.shutdownNow();
    }
  }

  @Test
  void tenThousandInstancesTwentyWatchersAndAServerRestart() throws Exception {
    int instances = 10_000;
    ZooKeeper writer = raw();
    List<Roster> watchers = new ArrayList<>();
    try {
      writer.create("/services", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
    } catch (org.apache.zookeeper.KeeperException.NodeExistsException e) {
      // fine
    }
    try {
      writer.create("/services/big", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
      CountDownLatch created = new CountDownLatch(instances);
      AtomicInteger errors = new AtomicInteger();
      for (int i = 0; i < instances; i++) {
        String id = String.format("big-%05d", i);
        writer.create("/services/big/" + id, InstanceCodec.springCloud().encode(
                ServiceInstance.builder("big").id(id).address("10.1." + (i / 250) + "." + (i % 250)).port(8080).build()),
            ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL, (rc, p, ctx, name) -> {
              if (rc != 0) {
                errors.incrementAndGet();
              }
              created.countDown();
            }, null);
      }
      assertThat(created.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(errors).hasValue(0);

      List<ServiceView> views = new ArrayList<>();
      AtomicLong bigChanges = new AtomicLong();
      for (int w = 0; w < 20; w++) {
        Roster r = Roster.builder().connectString(ensemble.connectString()).sessionTimeout(Duration.ofSeconds(4))
            .operationTimeout(Duration.ofSeconds(30)).build();
        watchers.add(r);
        ServiceView view = r.watch("big");
        views.add(view);
      }
      for (ServiceView view : views) {
        view.whenReady().get(60, TimeUnit.SECONDS);
        assertThat(view.instances()).hasSize(instances);
        view.addListener(change -> bigChanges.addAndGet(change.added().size() + change.removed().size()));
      }

      LocalEnsemble.Member restarted = ensemble.followers().get(0);
      restarted.restart();
      ensemble.awaitQuorum(Duration.ofSeconds(30));

      // Every later change is delivered to every watcher.
      for (int i = 0; i < 20; i++) {
        writer.delete("/services/big/" + String.format("big-%05d", i), -1);
      }
      for (int i = 0; i < 10; i++) {
        String id = "late-" + i;
        writer.create("/services/big/" + id, InstanceCodec.springCloud().encode(
            ServiceInstance.builder("big").id(id).address("10.9.0." + i).port(8080).build()),
            ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
      }
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        for (ServiceView view : views) {
          assertThat(view.instances()).hasSize(instances - 20 + 10);
          assertThat(view.isStale()).isFalse();
        }
      });
      // A "Packet len" failure (a reply or a watch re-registration over jute.maxbuffer) drops
      // the connection on every attempt, so a watcher would stay stale forever; they converge.
      // The size alone could match a view part-way through the changes; the ids must match too.
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          Truth.assertConverged(ensemble.connectString(), "big", views, Map.of()));
    } finally {
      for (Roster r : watchers) {
        r.close();
      }
      writer.close();
    }
  }
}
