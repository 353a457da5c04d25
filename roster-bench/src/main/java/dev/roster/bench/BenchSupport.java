package dev.roster.bench;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/** What the end-to-end benches share: instance fixtures, bare clients, counters and percentiles. */
final class BenchSupport {
  static final String BASE = "/services";
  static final String PING = "ping";

  private BenchSupport() {}

  static String id(int i) {
    return String.format(Locale.ROOT, "i-%05d", i);
  }

  static String address(int i) {
    return "10.0." + (i / 250) + "." + (i % 250);
  }

  static String zone(int i) {
    return i % 3 == 0 ? "zone-a" : i % 3 == 1 ? "zone-b" : "zone-c";
  }

  static int weight(int i) {
    return 1 + (i % 5) * 25;
  }

  /** The Curator form of instance {@code i}, the JSON both libraries store. */
  @SuppressWarnings("rawtypes")
  static ServiceInstance<Map> curatorInstance(String service, int i) throws Exception {
    return ServiceInstance.<Map>builder().name(service).id(id(i)).address(address(i)).port(8080)
        .payload(Map.of("zone", zone(i), "weight", weight(i))).build();
  }

  @SuppressWarnings("rawtypes")
  static List<ServiceInstance<Map>> curatorInstances(String service, int n) throws Exception {
    List<ServiceInstance<Map>> instances = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      instances.add(curatorInstance(service, i));
    }
    return instances;
  }

  /** The same instance through Roster's builder. */
  static dev.roster.ServiceInstance rosterInstance(String service, int i) {
    return dev.roster.ServiceInstance.builder(service).id(id(i)).address(address(i)).port(8080)
        .zone(zone(i)).weight(weight(i)).build();
  }

  /** A bare ZooKeeper client, connected. */
  static ZooKeeper connect(String connectString, Duration sessionTimeout) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connectString, (int) sessionTimeout.toMillis(), event -> {
      if (event.getState() == KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    if (!connected.await(15, TimeUnit.SECONDS)) {
      zk.close();
      throw new IllegalStateException("ZooKeeper client did not connect to " + connectString + " in 15 s");
    }
    return zk;
  }

  static void createIfMissing(ZooKeeper zk, String path, CreateMode mode) throws Exception {
    try {
      zk.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, mode);
    } catch (KeeperException.NodeExistsException e) {
      // made by a library or an earlier repetition
    }
  }

  static long withoutPings(Map<String, Long> counts) {
    return counts.entrySet().stream().filter(e -> !e.getKey().equals(PING)).mapToLong(Map.Entry::getValue).sum();
  }

  /** Counts once they have not moved (pings aside) for 100 ms, or after 3 s. */
  static Map<String, Long> quiet(Supplier<Map<String, Long>> counts) throws InterruptedException {
    return quiet(counts, Duration.ofMillis(100), Duration.ofSeconds(3));
  }

  /** Counts once they have not moved (pings aside) for {@code settle}, or after {@code at most}. */
  static Map<String, Long> quiet(Supplier<Map<String, Long>> counts, Duration settle, Duration atMost)
      throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    Map<String, Long> last = counts.get();
    while (System.nanoTime() < deadline) {
      Thread.sleep(settle.toMillis()); // outside any timed step: waiting for traffic that may or may not come
      Map<String, Long> now = counts.get();
      if (withoutPings(now) == withoutPings(last)) {
        return now;
      }
      last = now;
    }
    return last;
  }

  /**
   * A server's request counts once they have not moved (pings aside) for 200 ms, or after 10 s:
   * for benches whose clients may still be settling many views.
   */
  static Map<String, Long> settledCounts(dev.roster.embedded.EmbeddedZooKeeper server) throws InterruptedException {
    return quiet(server::requestCounts, Duration.ofMillis(200), Duration.ofSeconds(10));
  }

  /** {@code after - before}, per request type, leaving out types that did not move. */
  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> delta = new java.util.TreeMap<>();
    after.forEach((op, count) -> {
      long d = count - before.getOrDefault(op, 0L);
      if (d != 0) {
        delta.put(op, d);
      }
    });
    return delta;
  }

  static double median(double[] sorted) {
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  static double percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p * sorted.length) - 1))];
  }

  /** The version Maven recorded in the jar; the shaded jar drops the manifests that would say it. */
  static String version(String groupId, String artifactId) {
    String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
    try (InputStream in = BenchSupport.class.getResourceAsStream(resource)) {
      if (in == null) {
        return "(unknown version)";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "(unknown version)");
    } catch (IOException e) {
      return "(unknown version)";
    }
  }
}
