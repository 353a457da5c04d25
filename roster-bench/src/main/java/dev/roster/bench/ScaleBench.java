package dev.roster.bench;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.Version;

/**
 * The scale envelope on one machine: S services of I instances each, registered with Roster
 * from P registrant processes (one session each, eight threads on it); then W watching
 * sessions in one child JVM, each watching K services drawn at random (seeded, the same for
 * Roster and Curator's {@code ServiceCache}), and one session watching all S; then where
 * ZooKeeper's {@code jute.maxbuffer} stops a {@code getChildren} of one wide service, and what a
 * Roster and a Curator watcher of such a service do ({@link WideListingProbe}).
 *
 * <p>The server runs in this JVM: its heap is this JVM's used heap after GC, less the same
 * before registration. Client heap is the watcher child's, likewise. Requests are the
 * server's counts per phase, pings left out.
 *
 * <pre>
 * java -Xmx8g -cp roster-bench/target/benchmarks.jar dev.roster.bench.ScaleBench
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.ScaleBench --quick
 * </pre>
 */
public final class ScaleBench {
  private static final String BASE = "/services";

  private final EmbeddedZooKeeper server;
  private Map<String, Long> mark;

  private ScaleBench(EmbeddedZooKeeper server) {
    this.server = server;
  }

  /**
   * Runs the bench and prints its table, or with a {@code --child-} option one of its client JVMs.
   *
   * @param args options: {@code --services}, {@code --per-service}, {@code --watchers}, among
   *     others
   * @throws Exception if the server or a child JVM cannot run
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].startsWith("--child-")) {
      child(args);
      return;
    }
    int services = 1_000;
    int perService = 100;
    int registrants = 4;
    int watchers = 100;
    int watchedEach = 10;
    int reps = 2;
    int wide = 100_000;
    boolean fsync = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--services" -> services = Integer.parseInt(args[++i]);
        case "--per-service" -> perService = Integer.parseInt(args[++i]);
        case "--watchers" -> watchers = Integer.parseInt(args[++i]);
        case "--watched-each" -> watchedEach = Integer.parseInt(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--wide" -> wide = Integer.parseInt(args[++i]);
        case "--fsync" -> fsync = true;
        case "--quick" -> {
          services = 100;
          perService = 20;
          watchers = 10;
          reps = 1;
          wide = 30_000;
        }
        default -> {
          System.out.println("usage: ScaleBench [--services 1000] [--per-service 100] [--watchers 100] "
              + "[--watched-each 10] [--reps 2] [--wide 100000] [--fsync] [--quick]");
          System.exit(args[i].equals("--help") ? 0 : 2);
        }
      }
    }
    if (!fsync) {
      // The envelope is about what clients and the server's memory take, not this shared disk's
      // fsync latency; read when the transaction log class loads, so set before the server starts.
      System.setProperty("zookeeper.forceSync", "no");
    }
    System.out.println("transaction log " + (fsync ? "synced on commit" : "not synced (--fsync to sync)"));
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.builder().port(0).tickTime(Duration.ofMillis(50))
        .maxSessionTimeout(Duration.ofSeconds(60)).maxClientConnections(0).start()) {
      new ScaleBench(server).run(services, perService, registrants, watchers, watchedEach, reps, wide);
    }
  }

  private void run(int services, int perService, int registrants, int watchers, int watchedEach, int reps, int wide)
      throws Exception {
    System.out.printf(Locale.ROOT, "Scale envelope: Roster %s, Curator x-discovery %s, ZooKeeper %s (embedded, "
            + "in this JVM, -Xmx %d MB), Java %s, %d cores; children -Xmx2g%n",
        BenchSupport.version("dev.roster", "roster-core"),
        BenchSupport.version("org.apache.curator", "curator-x-discovery"),
        Version.getFullVersion().split("[- ]")[0], Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    long serverBase = usedHeap();
    mark = BenchSupport.settledCounts(server);
    long t0 = System.nanoTime();
    List<Child> owners = new ArrayList<>();
    for (int p = 0; p < registrants; p++) {
      owners.add(Child.start("--child-register", server.connectString(), services + "", perService + "",
          registrants + "", p + ""));
    }
    List<String> own = new ArrayList<>();
    for (Child c : owners) {
      own.add(c.awaitStep());
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    Map<String, Long> regRequests = phase();
    long serverHeap = usedHeap() - serverBase;
    int total = services * perService;
    System.out.printf(Locale.ROOT, "%nregistration: %,d instances across %,d services from %d processes: %.1f s wall "
            + "(JVM start included), %,.0f instances/s; per process %s%n  requests %s (%.2f per instance)%n"
            + "  server heap with them: %,d MB (%,d B per instance)%n",
        total, services, registrants, wall, total / wall, own, regRequests,
        (double) BenchSupport.withoutPings(regRequests) / total, serverHeap >> 20, serverHeap / total);
    for (int rep = 0; rep < reps; rep++) {
      for (String which : rep % 2 == 0 ? List.of("roster", "curator") : List.of("curator", "roster")) {
        watch(which, services, perService, watchers, watchedEach, serverBase);
      }
    }
    new WideListingProbe(server).run(wide);
    for (Child c : owners) {
      c.close();
    }
  }

  private void watch(String which, int services, int perService, int watchers, int watchedEach, long serverBase)
      throws Exception {
    mark = BenchSupport.settledCounts(server);
    try (Child c = Child.start("--child-watch", which, server.connectString(), services + "", perService + "",
        watchers + "", watchedEach + "")) {
      String many = c.awaitStep();
      Map<String, Long> manyRequests = phase();
      long serverHeap = usedHeap() - serverBase;
      c.next();
      String all = c.awaitStep();
      Map<String, Long> allRequests = phase();
      System.out.printf(Locale.ROOT, "%n%s: %d sessions x %d services each: %s%n  requests %s; server heap now %,d MB"
              + "%n%s: 1 session watching all %,d services: %s%n  requests %s%n", which, watchers, watchedEach, many,
          manyRequests, serverHeap >> 20, which, services, all, allRequests);
    }
  }

  /** The requests since the last phase, pings left out; starts the next phase. */
  private Map<String, Long> phase() throws InterruptedException {
    Map<String, Long> now = BenchSupport.settledCounts(server);
    Map<String, Long> delta = BenchSupport.delta(mark, now);
    delta.remove("ping");
    mark = now;
    return delta;
  }

  // ---- children ----

  private static void child(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = System.out;
    if (args[0].equals("--child-register")) {
      int services = Integer.parseInt(args[2]);
      int perService = Integer.parseInt(args[3]);
      int processes = Integer.parseInt(args[4]);
      int me = Integer.parseInt(args[5]);
      try (Roster roster = Roster.builder().connectString(args[1]).codec(InstanceCodec.curator())
          .sessionTimeout(Duration.ofSeconds(30)).build()) {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        AtomicInteger next = new AtomicInteger();
        int mine = services * perService / processes;
        for (int t = 0; t < 8; t++) {
          done.add(pool.submit(() -> {
            for (int k; (k = next.getAndIncrement()) < mine; ) {
              int s = k % services;
              int i = me * (perService / processes) + k / services;
              roster.register(ServiceInstance.builder("svc-" + s).id(String.format(Locale.ROOT, "i-%05d", i))
                  .address("10." + (s / 250) + "." + (s % 250) + "." + (i % 250)).port(8080)
                  .zone(i % 3 == 0 ? "zone-a" : "zone-b").weight(100).build());
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(30, TimeUnit.MINUTES);
        }
        pool.shutdown();
        out.printf(Locale.ROOT, "STEP %,d in %.1f s%n", mine, (System.nanoTime() - t0) / 1e9);
        in.readLine(); // holds the session, and so the instances, until the parent is done
      }
      return;
    }
    String which = args[1];
    String connect = args[2];
    int services = Integer.parseInt(args[3]);
    int perService = Integer.parseInt(args[4]);
    int watchers = Integer.parseInt(args[5]);
    int each = Integer.parseInt(args[6]);
    Random random = new Random(42);
    List<List<String>> sets = new ArrayList<>();
    for (int w = 0; w < watchers; w++) {
      List<String> set = new ArrayList<>();
      while (set.size() < each) {
        String s = "svc-" + random.nextInt(services);
        if (!set.contains(s)) {
          set.add(s);
        }
      }
      sets.add(set);
    }
    List<String> everything = new ArrayList<>();
    for (int s = 0; s < services; s++) {
      everything.add("svc-" + s);
    }
    long base = usedHeap();
    try (Watching many = Watching.open(which, connect, sets, perService, base)) {
      out.println("STEP " + many.summary);
      in.readLine();
    }
    base = usedHeap();
    try (Watching one = Watching.open(which, connect, List.of(everything), perService, base)) {
      out.println("STEP " + one.summary);
      in.readLine();
    }
  }

  /** W clients, each watching its set of services, open and complete. */
  private static final class Watching implements AutoCloseable {
    final List<AutoCloseable> closeables = new ArrayList<>();
    String summary;

    @SuppressWarnings({"rawtypes", "unchecked"})
    static Watching open(String which, String connect, List<List<String>> sets, int perService, long base)
        throws Exception {
      Watching w = new Watching();
      long cpu0 = cpu();
      long t0 = System.nanoTime();
      List<Runnable> checks = new ArrayList<>();
      List<CountDownLatch> latches = new ArrayList<>();
      List<CompletableFuture<?>> ready = new ArrayList<>();
      for (List<String> set : sets) {
        if (which.equals("roster")) {
          Roster roster = Roster.builder().connectString(connect).codec(InstanceCodec.curator())
              .sessionTimeout(Duration.ofSeconds(30)).build();
          w.closeables.add(roster);
          for (String s : set) {
            ServiceView view = roster.watch(s);
            ready.add(view.whenReady());
            checks.add(() -> check(s, view.instances().size(), perService));
          }
        } else {
          CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 30_000, 15_000,
              new ExponentialBackoffRetry(100, 3));
          w.closeables.add(curator);
          curator.start();
          ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(curator)
              .basePath(BASE).serializer(new JsonInstanceSerializer<>(Map.class)).build();
          w.closeables.add(discovery);
          discovery.start();
          for (String s : set) {
            ServiceCache<Map> cache = discovery.serviceCacheBuilder().name(s).build();
            w.closeables.add(cache);
            latches.add(cache.startImmediate());
            checks.add(() -> check(s, cache.getInstances().size(), perService));
          }
        }
      }
      CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
      for (CountDownLatch l : latches) {
        if (!l.await(10, TimeUnit.MINUTES)) {
          throw new IllegalStateException("a ServiceCache did not load in 10 min");
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpuSeconds = (cpu() - cpu0) / 1e9;
      checks.forEach(Runnable::run);
      long heap = usedHeap() - base;
      int views = checks.size();
      w.summary = String.format(Locale.ROOT, "%,d views (%,d instances) complete in %.2f s, %.1f CPU s; client heap "
          + "%,d MB (%,d B per cached instance)", views, views * perService, seconds, cpuSeconds, heap >> 20,
          heap / ((long) views * perService));
      return w;
    }

    @Override
    public void close() throws Exception {
      for (int i = closeables.size() - 1; i >= 0; i--) {
        closeables.get(i).close();
      }
    }
  }

  private static void check(String service, int actual, int expected) {
    if (actual != expected) {
      throw new IllegalStateException(service + ": " + actual + " instances, expected " + expected);
    }
  }

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** A child JVM speaking a line protocol: it prints {@code STEP ...} and waits for a line on stdin. */
  private record Child(Process process, BufferedReader out) implements AutoCloseable {
    static Child start(String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
          ScaleBench.class.getName()));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      return new Child(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }

    String awaitStep() throws Exception {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("STEP ")) {
          return line.substring(5);
        }
      }
      throw new IllegalStateException("child ended early, exit " + process.waitFor());
    }

    void next() throws Exception {
      process.getOutputStream().write('\n');
      process.getOutputStream().flush();
    }

    @Override
    public void close() throws Exception {
      process.getOutputStream().close(); // the child's readLine() ends, it closes its clients and exits
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private static long usedHeap() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
