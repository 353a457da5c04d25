package dev.roster.bench;

import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.testing.FaultProxy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Retained heap per cached instance: one Roster {@link ServiceView} beside one Curator
 * {@code ServiceCache} over the same nodes, each measured in a fresh JVM of its own, runs
 * interleaved.
 *
 * <p>The parent starts one embedded ZooKeeper on 127.0.0.1 and writes N instances of one
 * service (Curator-format JSON, about 400 bytes each). Each child measures the heap used after
 * five {@code System.gc()} calls once its cache holds all N, minus the same just before the
 * cache was opened; the server lives in the parent, so its tree is in neither figure. The
 * Roster child then cuts its connection through a fault proxy for a moment, waits for the
 * view's full re-read, and measures again.
 *
 * <pre>
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.ViewHeapBench --instances 50000 --runs 5
 * </pre>
 */
public final class ViewHeapBench {
  private static final String SERVICE = "heap";

  private ViewHeapBench() {}

  /**
   * Runs the bench and prints its table, or with {@code --child} one measured view in this JVM.
   *
   * @param args options: {@code --instances}, {@code --runs}, among others; or {@code --child} and
   *     its four arguments
   * @throws Exception if the server or a child JVM cannot run
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args[1], args[2], args[3], Integer.parseInt(args[4]));
      return;
    }
    List<Integer> counts = List.of(50_000);
    int runs = 5;
    java.nio.file.Path charts = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--instances" -> counts = java.util.Arrays.stream(args[++i].split(",")).map(String::trim)
            .map(Integer::parseInt).toList();
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--charts" -> charts = java.nio.file.Path.of(args[++i]);
        case "--quick" -> {
          counts = List.of(10_000);
          runs = 2;
        }
        default -> {
          System.out.println("usage: ViewHeapBench [--instances 50000 | 1000,10000,100000] [--runs 5] [--charts DIR]"
              + " [--quick (10,000 instances, 2 runs)]");
          System.exit(args[i].equals("--help") ? 0 : 2);
        }
      }
    }
    List<String> series = List.of("Roster", "Roster, after a full re-read", "Curator ServiceCache");
    Map<String, double[]> perInstance = new java.util.LinkedHashMap<>();
    for (String name : series) {
      perInstance.put(name, new double[counts.size()]);
    }
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(100))
        .maxSessionTimeout(Duration.ofSeconds(30)).start()) {
      for (int c = 0; c < counts.size(); c++) {
        long[] medians = measure(zk, counts.get(c), runs);
        for (int k = 0; k < series.size(); k++) {
          perInstance.get(series.get(k))[c] = medians[k];
        }
      }
    }
    if (charts != null) {
      Charts.lines(charts.resolve("heap-per-instance.png"), "Retained heap per cached instance (median of " + runs
              + " fresh JVMs)", "instances cached (log scale)", "bytes per instance",
          counts.stream().mapToDouble(Integer::doubleValue).toArray(), perInstance, true, false);
    }
  }

  /** One count's runs, printed; returns the medians for Roster, Roster after a re-read, and Curator. */
  private static long[] measure(EmbeddedZooKeeper zk, int instances, int runs) throws Exception {
    String service = SERVICE + "-" + instances;
    {
      write(zk.connectString(), service, instances);
      List<Long> roster = new ArrayList<>();
      List<Long> rosterAfter = new ArrayList<>();
      List<Long> curator = new ArrayList<>();
      for (int run = 0; run < runs; run++) {
        String[] r = spawn("roster", zk.connectString(), service, instances);
        roster.add(Long.parseLong(r[0]));
        rosterAfter.add(Long.parseLong(r[1]));
        curator.add(Long.parseLong(spawn("curator", zk.connectString(), service, instances)[0]));
        System.out.printf(Locale.ROOT, "run %d: Roster %d B (after a full re-read %d B), Curator %d B per instance%n",
            run + 1, roster.get(run), rosterAfter.get(run), curator.get(run));
      }
      System.out.printf(Locale.ROOT, "%n%,d instances, %d fresh JVMs each, Java %s%n", instances, runs,
          System.getProperty("java.version"));
      line("Roster ServiceView", roster);
      line("Roster, after a full re-read", rosterAfter);
      line("Curator ServiceCache", curator);
      System.out.printf(Locale.ROOT, "Roster / Curator: %.2fx%n%n", (double) median(roster) / median(curator));
      return new long[] {median(roster), median(rosterAfter), median(curator)};
    }
  }

  private static void line(String what, List<Long> values) {
    long min = values.stream().mapToLong(Long::longValue).min().orElse(0);
    long max = values.stream().mapToLong(Long::longValue).max().orElse(0);
    long median = median(values);
    System.out.printf(Locale.ROOT, "%-30s median %,6d B per instance, %,d–%,d (spread %.1f %%)%n", what, median, min, max,
        median == 0 ? 0.0 : 100.0 * (max - min) / median);
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }

  private static String[] spawn(String which, String connect, String service, int instances) throws Exception {
    // 100,000 children make a getChildren answer of about 2 MB, past ZooKeeper's default 1 MB
    // jute.maxbuffer; both libraries get the same larger limit, so both can read them.
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx2g",
        "-Djute.maxbuffer=" + (16 << 20),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
        ViewHeapBench.class.getName(), "--child", which, connect, service, Integer.toString(instances))
        .redirectErrorStream(true).start();
    String result = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("RESULT ")) {
          result = line.substring(7);
        }
      }
    }
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || result == null) {
      p.destroyForcibly();
      throw new IllegalStateException(which + " child failed (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")");
    }
    return result.split(" ");
  }

  private static void child(String which, String connect, String service, int instances) throws Exception {
    long before = used();
    if (which.equals("roster")) {
      AtomicInteger fullReads = new AtomicInteger();
      RosterEventListener reads = new RosterEventListener() {
        @Override
        public void viewRead(String service, boolean fullResync, int count) {
          if (fullResync) {
            fullReads.incrementAndGet();
          }
        }
      };
      try (FaultProxy proxy = FaultProxy.start(connect);
          Roster roster = Roster.builder().connectString(proxy.connectString()).codec(InstanceCodec.curator())
              .sessionTimeout(Duration.ofSeconds(20)).eventListener(reads).build()) {
        ServiceView view = roster.watch(service);
        view.whenReady().get(5, TimeUnit.MINUTES);
        check(view.instances().size(), instances);
        long loaded = (used() - before) / instances;
        int readsBefore = fullReads.get();
        proxy.cut();
        waitFor(view::isStale);
        proxy.heal();
        waitFor(() -> !view.isStale() && fullReads.get() > readsBefore);
        check(view.instances().size(), instances);
        long reread = (used() - before) / instances;
        System.out.println("RESULT " + loaded + " " + reread);
      }
    } else {
      try (CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 20_000, 15_000,
          new ExponentialBackoffRetry(100, 3))) {
        curator.start();
        curator.blockUntilConnected();
        @SuppressWarnings("rawtypes")
        ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(curator)
            .basePath("/services").serializer(new JsonInstanceSerializer<>(Map.class)).build();
        discovery.start();
        @SuppressWarnings("rawtypes")
        ServiceCache<Map> cache = discovery.serviceCacheBuilder().name(service).build();
        cache.start();
        waitFor(() -> cache.getInstances().size() == instances);
        System.out.println("RESULT " + (used() - before) / instances);
        cache.close();
        discovery.close();
      }
    }
  }

  private static void check(int actual, int expected) {
    if (actual != expected) {
      throw new IllegalStateException("holds " + actual + " instances, expected " + expected);
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out");
      }
      Thread.sleep(20);
    }
  }

  private static long used() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  /** N instances of one service, pipelined, as another tool would write them. */
  private static void write(String connect, String service, int instances) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connect, 30_000, e -> {
      if (e.getState() == KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    try {
      if (!connected.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no connection to " + connect);
      }
      if (zk.exists("/services", false) == null) {
        zk.create("/services", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      }
      zk.create("/services/" + service, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      Semaphore inFlight = new Semaphore(2_000);
      for (int i = 0; i < instances; i++) {
        String id = "instance-" + i;
        byte[] data = ("{\"name\":\"" + service + "\",\"id\":\"" + id + "\",\"address\":\"10.0." + (i / 250) + "."
            + (i % 250) + "\",\"port\":8080,\"sslPort\":null,\"payload\":{\"zone\":\"eu-west-1a\",\"weight\":100,"
            + "\"status\":\"UP\",\"metadata\":{\"version\":\"1.4.2\",\"team\":\"billing\"}},"
            + "\"registrationTimeUTC\":1700000000000,\"serviceType\":\"DYNAMIC\",\"uriSpec\":null,\"enabled\":true}")
            .getBytes(StandardCharsets.UTF_8);
        inFlight.acquire();
        zk.create("/services/" + service + "/" + id, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
            (rc, path, ctx, name) -> inFlight.release(), null);
      }
      if (!inFlight.tryAcquire(2_000, 5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("writes did not finish");
      }
    } finally {
      zk.close();
    }
  }
}
