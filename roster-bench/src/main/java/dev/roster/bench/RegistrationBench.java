package dev.roster.bench;

import static dev.roster.bench.BenchSupport.BASE;
import static dev.roster.bench.BenchSupport.curatorInstances;
import static dev.roster.bench.BenchSupport.id;
import static dev.roster.bench.BenchSupport.median;
import static dev.roster.bench.BenchSupport.percentile;
import static dev.roster.bench.BenchSupport.version;
import static dev.roster.bench.BenchSupport.withoutPings;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Version;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Sequential registrations side by side: Roster, Curator x-discovery and a bare ZooKeeper
 * {@code create(EPHEMERAL)}, in one JVM against one counting embedded ZooKeeper on 127.0.0.1.
 * For each count N and repetition, one client (one session) registers N distinct instances of
 * a fresh service, each call returning before the next starts; the loop is timed and the
 * server's request counters are read before and after it. Repetitions are interleaved and
 * their order rotated, so drift on a shared machine falls on every contender alike.
 *
 * <pre>{@code
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.RegistrationBench --counts 1000,5000 --reps 5
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.RegistrationBench --quick
 * }</pre>
 *
 * <p>Only Roster's public API is used, so the same harness measures any version of the
 * registrar. Roster writes with {@link InstanceCodec#curator()} so that both libraries store
 * the same JSON form. By default every service node is created (as a CONTAINER, as both
 * libraries would) before its loop starts, so the loop measures registrations alone;
 * {@code --cold-parents} leaves that to the libraries and counts it in. Instances are built
 * before the loop (Curator's builder enumerates network interfaces on every call). Requests
 * per registration leave out pings, which are session keep-alives; they are shown in the
 * breakdown if any fell into a loop.
 */
public final class RegistrationBench {
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(30);

  private final EmbeddedZooKeeper server;
  private final ZooKeeper admin;
  private final boolean coldParents;

  private RegistrationBench(EmbeddedZooKeeper server, ZooKeeper admin, boolean coldParents) {
    this.server = server;
    this.admin = admin;
    this.coldParents = coldParents;
  }

  /** One repetition's outcome: the loop's wall time, each call's latency, the requests sent. */
  private record Rep(long nanos, long[] latencies, Map<String, Long> requests) {
    long requestsWithoutPings() {
      return withoutPings(requests);
    }
  }

  /** One of the things measured: sets up a client, runs the timed loop, tears the client down. */
  private interface Contender {
    String name();

    Rep run(String service, int n) throws Exception;
  }

  /**
   * Runs the bench with the options of {@link Options}, prints the tables and stops the server.
   *
   * @param args the options; {@code --help} lists them
   * @throws Exception if the server or a client cannot run
   */
  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("RegistrationBench: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.noFsync) {
      // Read once, when ZooKeeper's transaction log class loads, so it must be set before the server starts.
      System.setProperty("zookeeper.forceSync", "no");
    }
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.builder().port(0)
        .tickTime(Duration.ofMillis(20)).maxSessionTimeout(Duration.ofSeconds(60)).start()) {
      ZooKeeper admin = connect(server.connectString());
      try {
        new RegistrationBench(server, admin, options.coldParents).runAll(options);
      } finally {
        admin.close();
      }
    }
  }

  private void runAll(Options options) throws Exception {
    if (!coldParents) {
      // Persistent, so the container manager never removes it between repetitions.
      createIfMissing(BASE, CreateMode.PERSISTENT);
    }
    // The order matters to print(): one by one (Roster, Curator, its floor), then batches (Roster, its floor).
    List<Contender> contenders = List.of(new RosterContender(), new CuratorContender(), new ZooKeeperFloor(),
        new RosterBatchContender(), new PipelinedFloor());
    System.out.printf(Locale.ROOT, "Registration bench: Roster %s beside Curator x-discovery %s, ZooKeeper %s "
            + "(embedded, %s, tick %d ms), Java %s%n",
        version("dev.roster", "roster-core"), version("org.apache.curator", "curator-x-discovery"),
        Version.getFullVersion().split("[- ]")[0], server.connectString(), server.tickTime().toMillis(),
        System.getProperty("java.version"));
    System.out.printf(Locale.ROOT, "counts %s, %d reps + %d warm-up, interleaved; service nodes %s; "
            + "transaction log %s%n%n",
        options.counts, options.reps, options.warmup,
        coldParents ? "created by the libraries inside the loop (--cold-parents)" : "created before each loop",
        options.noFsync ? "not synced (--no-fsync)" : "synced to disk on commit, as ZooKeeper does by default");
    Map<String, List<Double>> throughput = new java.util.LinkedHashMap<>();
    contenders.forEach(c -> throughput.put(c.name(), new ArrayList<>()));
    for (int n : options.counts) {
      List<List<Rep>> results = new ArrayList<>();
      contenders.forEach(c -> results.add(new ArrayList<>()));
      for (int rep = 0; rep < options.warmup + options.reps; rep++) {
        boolean warmup = rep < options.warmup;
        for (int k = 0; k < contenders.size(); k++) {
          int index = (rep + k) % contenders.size();
          Contender contender = contenders.get(index);
          String service = "bench-" + contender.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "")
              + "-n" + n + (warmup ? "-w" : "-r") + rep;
          System.gc(); // between loops, so that one loop's garbage is not collected in the next
          Rep result = contender.run(service, n);
          checkInstances(service, 0);
          if (!warmup) {
            results.get(index).add(result);
          }
        }
      }
      double[] micros = print(n, options, contenders, results);
      for (int c = 0; c < contenders.size(); c++) {
        throughput.get(contenders.get(c).name()).add(1e6 / micros[c]);
      }
    }
    if (options.charts != null) {
      Charts.bars(options.charts.resolve("registration-throughput.png"),
          "Registrations per second from one process (median of " + options.reps + " reps)", "instances registered",
          "registrations/s", options.counts.stream().map(n -> String.format(Locale.ROOT, "%,d", n)).toList(),
          throughput);
    }
  }

  private final class RosterContender implements Contender {
    @Override
    public String name() {
      return "Roster";
    }

    @Override
    public Rep run(String service, int n) throws Exception {
      List<dev.roster.ServiceInstance> instances = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        instances.add(BenchSupport.rosterInstance(service, i));
      }
      prepareParent(service);
      try (Roster roster = Roster.builder().connectString(server.connectString())
          .codec(InstanceCodec.curator()).sessionTimeout(SESSION_TIMEOUT).build()) {
        List<Registration> registrations = new ArrayList<>(n);
        return measure(service, n, i -> registrations.add(roster.register(instances.get(i))));
      }
    }
  }

  /** Roster's bulk path: one {@code registerAll} of the N instances. */
  private final class RosterBatchContender implements Contender {
    @Override
    public String name() {
      return "Roster registerAll";
    }

    @Override
    public Rep run(String service, int n) throws Exception {
      List<dev.roster.ServiceInstance> instances = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        instances.add(BenchSupport.rosterInstance(service, i));
      }
      prepareParent(service);
      try (Roster roster = Roster.builder().connectString(server.connectString())
          .codec(InstanceCodec.curator()).sessionTimeout(SESSION_TIMEOUT).build()) {
        return measureBatch(service, n, () -> roster.registerAll(instances));
      }
    }
  }

  /** What a batch costs at best: every create sent asynchronously before the first answer is awaited. */
  @SuppressWarnings("rawtypes")
  private final class PipelinedFloor implements Contender {
    @Override
    public String name() {
      return "ZooKeeper pipelined";
    }

    @Override
    public Rep run(String service, int n) throws Exception {
      List<byte[]> data = floorData(service, n);
      String parent = BASE + "/" + service + "/";
      ZooKeeper zk = connect(server.connectString());
      try {
        return measureBatch(service, n, () -> {
          CountDownLatch done = new CountDownLatch(n);
          int[] failures = new int[1];
          for (int i = 0; i < n; i++) {
            zk.create(parent + id(i), data.get(i), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL,
                (rc, path, ctx, name) -> {
                  if (rc != 0) {
                    synchronized (failures) {
                      failures[0]++;
                    }
                  }
                  done.countDown();
                }, null);
          }
          if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pipelined creates did not all answer in 60 s");
          }
          synchronized (failures) {
            if (failures[0] != 0) {
              throw new IllegalStateException(failures[0] + " pipelined creates failed");
            }
          }
        });
      } finally {
        zk.close();
      }
    }
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private final class CuratorContender implements Contender {
    @Override
    public String name() {
      return "Curator";
    }

    @Override
    public Rep run(String service, int n) throws Exception {
      List<ServiceInstance<Map>> instances = curatorInstances(service, n);
      prepareParent(service);
      try (CuratorFramework curator = CuratorFrameworkFactory.newClient(server.connectString(),
          (int) SESSION_TIMEOUT.toMillis(), 15_000, new ExponentialBackoffRetry(100, 3))) {
        curator.start();
        if (!curator.blockUntilConnected(15, TimeUnit.SECONDS)) {
          throw new IllegalStateException("Curator did not connect to " + server.connectString() + " in 15 s");
        }
        try (ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(curator)
            .basePath(BASE).serializer(new JsonInstanceSerializer<>(Map.class)).build()) {
          discovery.start();
          return measure(service, n, i -> discovery.registerService(instances.get(i)));
        }
      }
    }
  }

  /** What one round trip per registration costs: a synchronous create of the Curator JSON. */
  @SuppressWarnings("rawtypes")
  private final class ZooKeeperFloor implements Contender {
    @Override
    public String name() {
      return "ZooKeeper create";
    }

    @Override
    public Rep run(String service, int n) throws Exception {
      List<byte[]> data = floorData(service, n);
      String parent = BASE + "/" + service + "/";
      ZooKeeper zk = connect(server.connectString());
      try {
        return measure(service, n, i -> zk.create(parent + id(i), data.get(i), ZooDefs.Ids.OPEN_ACL_UNSAFE,
            CreateMode.EPHEMERAL));
      } finally {
        zk.close();
      }
    }
  }

  /**
   * The Curator JSON of N instances, for the bare-client floors, with their service's node
   * made: a floor has no library to make it, so it is made even with --cold-parents.
   */
  @SuppressWarnings("rawtypes")
  private List<byte[]> floorData(String service, int n) throws Exception {
    JsonInstanceSerializer<Map> serializer = new JsonInstanceSerializer<>(Map.class);
    List<byte[]> data = new ArrayList<>(n);
    for (ServiceInstance<Map> instance : curatorInstances(service, n)) {
      data.add(serializer.serialize(instance));
    }
    createIfMissing(BASE, CreateMode.PERSISTENT);
    createIfMissing(BASE + "/" + service, CreateMode.CONTAINER);
    return data;
  }

  @FunctionalInterface
  private interface Step {
    void run(int i) throws Exception;
  }

  /**
   * Times {@code n} sequential steps and counts the requests the server received meanwhile.
   * The counters are read once the server has gone quiet, before and after, so that a
   * client's start-up traffic is left out and a request pipelined behind the last call is in.
   */
  private Rep measure(String service, int n, Step step) throws Exception {
    long[] latencies = new long[n];
    return timed(service, n, latencies, () -> {
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        step.run(i);
        latencies[i] = System.nanoTime() - t0;
      }
    });
  }

  @FunctionalInterface
  private interface Batch {
    void run() throws Exception;
  }

  /** Times one batch of {@code n} registrations; there is no per-call latency to record. */
  private Rep measureBatch(String service, int n, Batch batch) throws Exception {
    return timed(service, n, new long[0], batch);
  }

  /** Runs {@code body}, timed, between two quiet reads of the server's request counts. */
  private Rep timed(String service, int n, long[] latencies, Batch body) throws Exception {
    Map<String, Long> before = quietCounts();
    long start = System.nanoTime();
    body.run();
    long nanos = System.nanoTime() - start;
    Map<String, Long> after = quietCounts();
    checkInstances(service, n);
    Map<String, Long> requests = new TreeMap<>();
    after.forEach((op, count) -> {
      long delta = count - before.getOrDefault(op, 0L);
      if (delta != 0) {
        requests.put(op, delta);
      }
    });
    return new Rep(nanos, latencies, requests);
  }

  /** The server's request counts once they have not moved (pings aside) for 100 ms, or after 3 s. */
  private Map<String, Long> quietCounts() throws InterruptedException {
    return BenchSupport.quiet(server::requestCounts);
  }

  private void prepareParent(String service) throws Exception {
    if (!coldParents) {
      createIfMissing(BASE + "/" + service, CreateMode.CONTAINER);
    }
  }

  private void createIfMissing(String path, CreateMode mode) throws Exception {
    BenchSupport.createIfMissing(admin, path, mode);
  }

  /**
   * Fails unless the service node holds {@code expected} instances: a loop that did not leave
   * N nodes behind, or a closed client that left some, measured something else.
   */
  private void checkInstances(String service, int expected) throws Exception {
    String parent = BASE + "/" + service;
    int found;
    try {
      found = admin.getChildren(parent, false).size();
    } catch (KeeperException.NoNodeException e) {
      found = 0; // an emptied container, removed by the server's container manager
    }
    if (found != expected) {
      throw new IllegalStateException(parent + " has " + found + " instances, expected " + expected);
    }
  }

  private static ZooKeeper connect(String connectString) throws Exception {
    return BenchSupport.connect(connectString, SESSION_TIMEOUT);
  }

  /** Prints one count's table; returns each contender's median µs per registration. */
  private static double[] print(int n, Options options, List<Contender> contenders, List<List<Rep>> results) {
    System.out.printf(Locale.ROOT, "N = %,d registrations, one by one and in one batch, %d reps (load average now %.1f on %d cores)%n",
        n, options.reps, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "%-20s %9s %19s %9s %8s %8s %8s  %s%n", "", "µs/reg", "(min–max over reps)",
        "regs/s", "p50 µs", "p99 µs", "req/reg", "requests per registration, by type (median rep)");
    double[] medianMicros = new double[contenders.size()];
    double[] medianRequests = new double[contenders.size()];
    for (int c = 0; c < contenders.size(); c++) {
      List<Rep> reps = results.get(c);
      double[] micros = reps.stream().mapToDouble(r -> r.nanos() / 1e3 / n).sorted().toArray();
      long[] pooled = reps.stream().flatMapToLong(r -> Arrays.stream(r.latencies())).sorted().toArray();
      List<Rep> byRequests = new ArrayList<>(reps);
      byRequests.sort((a, b) -> Long.compare(a.requestsWithoutPings(), b.requestsWithoutPings()));
      Rep medianRep = byRequests.get(byRequests.size() / 2);
      medianMicros[c] = median(micros);
      medianRequests[c] = (double) medianRep.requestsWithoutPings() / n;
      StringBuilder breakdown = new StringBuilder();
      medianRep.requests().forEach((op, count) -> breakdown.append(breakdown.length() == 0 ? "" : ", ")
          .append(op).append(' ').append(String.format(Locale.ROOT, "%.3f", (double) count / n)));
      // A batch has no per-call latency: one call made all N.
      String p50 = pooled.length == 0 ? "—" : String.format(Locale.ROOT, "%.0f", percentile(pooled, 0.50) / 1e3);
      String p99 = pooled.length == 0 ? "—" : String.format(Locale.ROOT, "%.0f", percentile(pooled, 0.99) / 1e3);
      System.out.printf(Locale.ROOT, "%-20s %9.1f %19s %9.0f %8s %8s %8.2f  %s%n", contenders.get(c).name(),
          medianMicros[c], String.format(Locale.ROOT, "(%.1f–%.1f)", micros[0], micros[micros.length - 1]),
          1e6 / medianMicros[c], p50, p99, medianRequests[c], breakdown);
    }
    System.out.printf(Locale.ROOT, "Roster / Curator: %.2fx the time, %.2fx the requests; "
            + "Roster / bare create: %.2fx the time%n",
        medianMicros[0] / medianMicros[1], medianRequests[0] / medianRequests[1], medianMicros[0] / medianMicros[2]);
    System.out.printf(Locale.ROOT, "Roster registerAll: %.1fx Curator's throughput, %.2fx its requests; "
            + "%.2fx the pipelined floor's time%n%n",
        medianMicros[1] / medianMicros[3], medianRequests[3] / medianRequests[1], medianMicros[3] / medianMicros[4]);
    return medianMicros;
  }

  /** The command line: {@code [--counts 1000,5000] [--reps 5] [--warmup 1] [--cold-parents] [--no-fsync] [--quick]}. */
  private static final class Options {
    List<Integer> counts = List.of(1000, 5000);
    int reps = 5;
    int warmup = 1;
    boolean coldParents;
    boolean noFsync;
    java.nio.file.Path charts; // null: no charts

    static Options parse(String[] args) {
      Options options = new Options();
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--counts" -> options.counts = Arrays.stream(value(args, ++i).split(","))
              .map(s -> positive("--counts", s)).toList();
          case "--reps" -> options.reps = positive("--reps", value(args, ++i));
          case "--warmup" -> options.warmup = nonNegative("--warmup", value(args, ++i));
          case "--quick" -> {
            options.counts = List.of(200);
            options.reps = 3;
            options.warmup = 1;
          }
          case "--cold-parents" -> options.coldParents = true;
          case "--no-fsync" -> options.noFsync = true;
          case "--charts" -> options.charts = java.nio.file.Path.of(value(args, ++i));
          case "--help", "-h" -> {
            System.out.println("usage: RegistrationBench [--counts 1000,5000] [--reps 5] [--warmup 1] "
                + "[--cold-parents] [--no-fsync] [--charts DIR (PNG charts)] [--quick (200 registrations, 3 reps)]");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i] + "; try --help");
        }
      }
      return options;
    }

    private static String value(String[] args, int i) {
      if (i >= args.length) {
        throw new IllegalArgumentException(args[i - 1] + ": needs a value");
      }
      return args[i];
    }

    private static int positive(String option, String value) {
      return atLeast(option, value, 1);
    }

    private static int nonNegative(String option, String value) {
      return atLeast(option, value, 0);
    }

    private static int atLeast(String option, String value, int min) {
      try {
        int parsed = Integer.parseInt(value.trim());
        if (parsed >= min) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below with the value
      }
      throw new IllegalArgumentException(option + " " + value + ": must be a whole number, " + min + " or more");
    }
  }
}
