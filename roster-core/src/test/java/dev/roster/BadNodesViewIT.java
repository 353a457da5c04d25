package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.codec.FuzzSeed;
import dev.roster.codec.InstanceCodec;
import dev.roster.codec.InstanceFormatException;
import dev.roster.codec.NodeDataGenerator;
import dev.roster.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 10,000 nodes of generated data ({@link NodeDataGenerator}: mostly broken, some good) written
 * with a raw ZooKeeper handle under one service, among instances Roster registers: a view holds
 * exactly the nodes its codec can decode, counts the others as skipped, and keeps doing so as
 * good nodes go bad and bad ones are fixed. Watched with the default codec and with
 * {@code detecting()} at once. {@code -Droster.fuzz.seed=N} replays a run.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadNodesViewIT {
  static final int NODES = 10_000;
  /** Data beyond this is cut to it (as a broken writer would), except for a few huge nodes. */
  private static final int USUAL_MAX = 16 * 1024;

  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void aViewFedBadNodesServesExactlyTheGoodOnesAndCountsTheRest() throws Exception {
    long seed = FuzzSeed.get();
    String replay = "seed " + seed + " (replay with -Droster.fuzz.seed=" + seed + ")";
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, byte @Nullable []> nodes = new TreeMap<>();
    int huge = 0;
    for (int i = 0; i < NODES; i++) {
      byte[] data = rng.nextInt(10) < 3
          ? NodeDataGenerator.template(rng).getBytes(StandardCharsets.UTF_8) : NodeDataGenerator.next(rng);
      if (data != null && data.length > USUAL_MAX && (huge++ > 5 || data.length > 900 * 1024)) {
        data = java.util.Arrays.copyOf(data, USUAL_MAX);
      }
      nodes.put(String.format("n-%05d", i), data);
    }

    ZooKeeper raw = Zk.connect(zk.connectString(), Duration.ofSeconds(30));
    long start = System.nanoTime();
    try (Roster springCloud = Roster.builder().connectString(zk.connectString()).build();
        Roster detecting = Roster.builder().connectString(zk.connectString()).codec(InstanceCodec.detecting()).build()) {
      List<Registration> registered = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        registered.add(springCloud.register(ServiceInstance.builder("junk").id("real-" + i).address("10.0.0." + i)
            .port(8080).metadata("k", "v").build()));
      }
      writeAll(raw, nodes);

      ServiceView a = springCloud.watch("junk");
      ServiceView b = detecting.watch("junk");
      a.whenReady().get(30, TimeUnit.SECONDS);
      b.whenReady().get(30, TimeUnit.SECONDS);
      Map<String, byte @Nullable []> all = withRegistered(nodes, registered);
      awaitExactly(a, InstanceCodec.springCloud(), all, replay);
      awaitExactly(b, InstanceCodec.detecting(), all, replay);

      // Good nodes go bad and bad ones are fixed, in one burst: the views follow node by node.
      Map<String, byte @Nullable []> changes = new TreeMap<>();
      List<String> names = new ArrayList<>(nodes.keySet());
      for (int i = 0; i < 500; i++) {
        String name = names.get(rng.nextInt(names.size()));
        byte[] data = rng.nextBoolean() ? NodeDataGenerator.template(rng).getBytes(StandardCharsets.UTF_8)
            : NodeDataGenerator.next(rng);
        changes.put(name, data == null || data.length > USUAL_MAX ? new byte[0] : data);
      }
      long firstRead = System.nanoTime();
      setAll(raw, changes);
      nodes.putAll(changes);
      all = withRegistered(nodes, registered);
      awaitExactly(a, InstanceCodec.springCloud(), all, replay);
      awaitExactly(b, InstanceCodec.detecting(), all, replay);
      System.out.printf("BadNodesViewIT: %d nodes + %d registered, then %d changed; skipped %d (spring-cloud), %d"
          + " (detecting); written and read in %d ms, changes followed in %d ms; seed %d%n", NODES, registered.size(),
          changes.size(), a.skippedNodes(), b.skippedNodes(), (firstRead - start) / 1_000_000,
          (System.nanoTime() - firstRead) / 1_000_000, seed);
    } finally {
      raw.close();
    }
  }

  private static Map<String, byte @Nullable []> withRegistered(Map<String, byte @Nullable []> nodes,
      List<Registration> registered) {
    Map<String, byte @Nullable []> all = new TreeMap<>(nodes);
    for (Registration r : registered) {
      all.put(r.instance().id(), InstanceCodec.springCloud().encode(r.instance()));
    }
    return all;
  }

  /** The view holds exactly what {@code codec} decodes of {@code nodes}, and counts the rest. */
  private static void awaitExactly(ServiceView view, InstanceCodec codec, Map<String, byte @Nullable []> nodes,
      String replay) {
    List<ServiceInstance> good = new ArrayList<>();
    int bad = 0;
    for (Map.Entry<String, byte @Nullable []> e : nodes.entrySet()) {
      try {
        good.add(codec.decode("junk", e.getKey(), e.getValue() == null ? new byte[0] : e.getValue()));
      } catch (InstanceFormatException ex) {
        bad++;
      }
    }
    int expectedBad = bad;
    assertThat(good).as("good nodes; %s", replay).hasSizeGreaterThan(NODES / 5);
    assertThat(expectedBad).as("bad nodes; %s", replay).isGreaterThan(NODES / 5);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(view.skippedNodes()).as("%s skipped; %s", codec, replay).isEqualTo(expectedBad);
      assertThat(view.instances()).as("%s instances; %s", codec, replay).containsExactlyInAnyOrderElementsOf(good);
    });
  }

  /** Creates every node, many requests in flight (a node ZooKeeper gives no data reads as empty). */
  private static void writeAll(ZooKeeper raw, Map<String, byte @Nullable []> nodes) throws Exception {
    Zk.createPersistent(raw, "/services/junk/n-start", new byte[0]);
    raw.delete("/services/junk/n-start", -1);
    Semaphore inFlight = new Semaphore(500);
    AtomicReference<String> failure = new AtomicReference<>();
    for (Map.Entry<String, byte @Nullable []> e : nodes.entrySet()) {
      inFlight.acquire();
      raw.create("/services/junk/" + e.getKey(), e.getValue(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
          (rc, path, ctx, name) -> {
            if (rc != KeeperException.Code.OK.intValue()) {
              failure.compareAndSet(null, path + ": " + KeeperException.Code.get(rc));
            }
            inFlight.release();
          }, null);
    }
    inFlight.acquire(500);
    assertThat(failure.get()).isNull();
  }

  private static void setAll(ZooKeeper raw, Map<String, byte @Nullable []> nodes) throws Exception {
    Semaphore inFlight = new Semaphore(500);
    AtomicReference<String> failure = new AtomicReference<>();
    for (Map.Entry<String, byte @Nullable []> e : nodes.entrySet()) {
      inFlight.acquire();
      raw.setData("/services/junk/" + e.getKey(), e.getValue(), -1, (rc, path, ctx, stat) -> {
        if (rc != KeeperException.Code.OK.intValue()) {
          failure.compareAndSet(null, path + ": " + KeeperException.Code.get(rc));
        }
        inFlight.release();
      }, null);
    }
    inFlight.acquire(500);
    assertThat(failure.get()).isNull();
  }
}
