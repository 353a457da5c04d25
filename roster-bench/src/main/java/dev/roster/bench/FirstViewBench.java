package dev.roster.bench;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.Version;

/**
 * Time to a first complete view of one service: Roster's {@code watch(service).whenReady()}
 * beside Curator x-discovery's {@code ServiceCache.start()} (which returns once the cache is
 * loaded) and its one-shot {@code ServiceDiscovery.queryForInstances}, over the same nodes of
 * one embedded ZooKeeper on 127.0.0.1.
 *
 * <p>The parent registers N instances per service count with Roster in Curator's JSON form
 * ({@link InstanceCodec#curator()}), so both libraries read the same nodes, and keeps them
 * registered throughout. "Cold" runs each contender in a fresh child JVM per repetition and
 * reports, from inside the child, the time from JVM start (the runtime's recorded start, in
 * ms) and from the client's creation to a complete view. "Warm" runs them in this JVM after
 * warm-up repetitions, each with a client (and so a session) of its own. Every repetition is
 * interleaved with the others and the order rotated. Requests are the server's counts around
 * each repetition once it has gone quiet, pings and the session's own create/close left out.
 *
 * <pre>
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -Xmx4g -cp roster-bench/target/benchmarks.jar dev.roster.bench.FirstViewBench --counts 1000,10000
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.FirstViewBench --quick
 * </pre>
 */
public final class FirstViewBench {
  private static final String BASE = "/services";
  private static final Set<String> NOT_READS = Set.of("ping", "createSession", "closeSession");
  private static final List<String> CONTENDERS = List.of("roster", "curator-cache", "curator-query");

  private FirstViewBench() {}

  /** One repetition: ms from JVM start (cold only, else -1), ms from client creation, requests. */
  private record Rep(double fromJvmMs, double fromClientMs, double cpuMs, Map<String, Long> requests) {
    long reads() {
      return requests.entrySet().stream().filter(e -> !NOT_READS.contains(e.getKey()))
          .mapToLong(Map.Entry::getValue).sum();
    }
  }

  /**
   * Runs the bench and prints its table, or with {@code --child} one measured first view in this
   * JVM.
   *
   * @param args options: {@code --counts}, {@code --cold-reps}, among others; or {@code --child}
   *     and its four arguments
   * @throws Exception if a server or a child JVM cannot run
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      Rep r = firstView(args[1], args[2], args[3], Integer.parseInt(args[4]));
      long fromJvm = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
      long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
      System.out.println("RESULT " + fromJvm + " " + r.fromClientMs() + " " + cpu / 1e6);
      return;
    }
    List<Integer> counts = List.of(1_000, 10_000);
    int coldReps = 5;
    int warmReps = 7;
    int warmup = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--counts" -> counts = Arrays.stream(args[++i].split(",")).map(s -> Integer.parseInt(s.trim())).toList();
        case "--cold-reps" -> coldReps = Integer.parseInt(args[++i]);
        case "--warm-reps" -> warmReps = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--quick" -> {
          counts = List.of(1_000);
          coldReps = 2;
          warmReps = 3;
          warmup = 1;
        }
        default -> {
          System.out.println("usage: FirstViewBench [--counts 1000,10000] [--cold-reps 5] [--warm-reps 7] "
              + "[--warmup 3] [--quick (1,000 instances, 2 cold and 3 warm reps)]");
          System.exit(args[i].equals("--help") ? 0 : 2);
        }
      }
    }
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.builder().port(0).tickTime(Duration.ofMillis(50))
        .maxSessionTimeout(Duration.ofSeconds(60)).start();
        Roster registrant = Roster.builder().connectString(server.connectString()).codec(InstanceCodec.curator())
            .sessionTimeout(Duration.ofSeconds(30)).build()) {
      System.out.printf(Locale.ROOT, "First complete view: Roster %s beside Curator x-discovery %s, ZooKeeper %s "
              + "(embedded, %s), Java %s, %d cores%n", BenchSupport.version("dev.roster", "roster-core"),
          BenchSupport.version("org.apache.curator", "curator-x-discovery"), Version.getFullVersion().split("[- ]")[0],
          server.connectString(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
      System.out.printf(Locale.ROOT, "cold: %d fresh JVMs per contender and count (%s); warm: %d reps after %d "
          + "warm-up, in this JVM (-Xmx %d MB)%n%n", coldReps, childFlags(), warmReps, warmup,
          Runtime.getRuntime().maxMemory() >> 20);
      for (int n : counts) {
        String service = "first-view-" + n;
        register(registrant, service, n);
        List<List<Rep>> cold = new ArrayList<>();
        List<List<Rep>> warm = new ArrayList<>();
        CONTENDERS.forEach(c -> {
          cold.add(new ArrayList<>());
          warm.add(new ArrayList<>());
        });
        for (int rep = 0; rep < coldReps; rep++) {
          for (int k = 0; k < CONTENDERS.size(); k++) {
            int c = (rep + k) % CONTENDERS.size();
            String which = CONTENDERS.get(c);
            cold.get(c).add(counted(server, () -> spawn(which, server.connectString(), service, n)));
          }
        }
        for (int rep = 0; rep < warmup + warmReps; rep++) {
          for (int k = 0; k < CONTENDERS.size(); k++) {
            int c = (rep + k) % CONTENDERS.size();
            String which = CONTENDERS.get(c);
            System.gc(); // one rep's garbage is not collected in the next
            Rep r = counted(server, () -> firstView(which, server.connectString(), service, n));
            if (rep >= warmup) {
              warm.get(c).add(r);
            }
          }
        }
        print(n, "cold client (fresh JVM per rep)", cold, true);
        print(n, "warm JVM", warm, false);
      }
    }
  }

  /** Registers {@code n} instances of {@code service} from four threads of one Roster, and waits for them. */
  private static void register(Roster roster, String service, int n) throws Exception {
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t;
        done.add(pool.submit(() -> {
          for (int i = first; i < n; i += 4) {
            roster.register(ServiceInstance.builder(service).id(String.format(Locale.ROOT, "i-%05d", i))
                .address("10.0." + (i / 250) + "." + (i % 250)).port(8080)
                .zone(i % 3 == 0 ? "zone-a" : i % 3 == 1 ? "zone-b" : "zone-c").weight(1 + (i % 5) * 25).build());
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf(Locale.ROOT, "registered %,d instances of %s in %.1f s%n", n, service,
        (System.nanoTime() - t0) / 1e9);
  }

  @FunctionalInterface
  private interface Run {
    Rep run() throws Exception;
  }

  private static Rep counted(EmbeddedZooKeeper server, Run run) throws Exception {
    Map<String, Long> before = BenchSupport.settledCounts(server);
    Rep r = run.run();
    return new Rep(r.fromJvmMs(), r.fromClientMs(), r.cpuMs(), BenchSupport.delta(before, BenchSupport.settledCounts(server)));
  }

  /**
   * One client's first complete view, from its creation; closes the client. Used in this JVM
   * for the warm runs and in a child for the cold ones.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static Rep firstView(String which, String connect, String service, int n) throws Exception {
    long t0 = System.nanoTime();
    int seen;
    long t1;
    if (which.equals("roster")) {
      try (Roster roster = Roster.builder().connectString(connect).codec(InstanceCodec.curator())
          .sessionTimeout(Duration.ofSeconds(30)).build();
          ServiceView view = roster.watch(service)) {
        view.whenReady().get(5, TimeUnit.MINUTES);
        t1 = System.nanoTime();
        seen = view.instances().size();
      }
    } else {
      try (CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 30_000, 15_000,
          new ExponentialBackoffRetry(100, 3))) {
        curator.start();
        try (ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(curator)
            .basePath(BASE).serializer(new JsonInstanceSerializer<>(Map.class)).build()) {
          discovery.start();
          if (which.equals("curator-cache")) {
            try (ServiceCache<Map> cache = discovery.serviceCacheBuilder().name(service).build()) {
              cache.start(); // returns once the cache is loaded
              t1 = System.nanoTime();
              seen = cache.getInstances().size();
            }
          } else {
            Collection<org.apache.curator.x.discovery.ServiceInstance<Map>> all = discovery.queryForInstances(service);
            t1 = System.nanoTime();
            seen = all.size();
          }
        }
      }
    }
    if (seen != n) {
      throw new IllegalStateException(which + " saw " + seen + " instances of " + service + ", expected " + n);
    }
    return new Rep(-1, (t1 - t0) / 1e6, -1, Map.of());
  }

  private static List<String> childFlags() {
    return List.of("-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
  }

  private static Rep spawn(String which, String connect, String service, int n) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(childFlags());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), FirstViewBench.class.getName(),
        "--child", which, connect, service, Integer.toString(n)));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String result = null;
    StringBuilder output = new StringBuilder();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("RESULT ")) {
          result = line.substring(7);
        } else {
          output.append(line).append('\n');
        }
      }
    }
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || result == null) {
      p.destroyForcibly().waitFor();
      throw new IllegalStateException(which + " child failed:\n" + output);
    }
    String[] parts = result.split(" ");
    return new Rep(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2]), Map.of());
  }

  private static void print(int n, String what, List<List<Rep>> results, boolean cold) {
    System.out.printf(Locale.ROOT, "%n%,d instances, %s, %d reps (load average now %.1f)%n", n, what,
        results.get(0).size(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf(Locale.ROOT, "%-34s %26s %26s %26s %9s  %s%n", "", "ms from client creation", cold
        ? "ms from JVM start" : "", cold ? "child's CPU ms (whole JVM)" : "", "requests",
        "by type (median rep; pings, session open/close left out)");
    double[] medians = new double[CONTENDERS.size()];
    for (int c = 0; c < CONTENDERS.size(); c++) {
      List<Rep> reps = results.get(c);
      double[] client = reps.stream().mapToDouble(Rep::fromClientMs).sorted().toArray();
      double[] jvm = reps.stream().mapToDouble(Rep::fromJvmMs).sorted().toArray();
      double[] cpu = reps.stream().mapToDouble(Rep::cpuMs).sorted().toArray();
      List<Rep> byReads = new ArrayList<>(reps);
      byReads.sort((a, b) -> Long.compare(a.reads(), b.reads()));
      Rep median = byReads.get(byReads.size() / 2);
      Map<String, Long> breakdown = new TreeMap<>(median.requests());
      breakdown.keySet().removeAll(NOT_READS);
      medians[c] = BenchSupport.median(client);
      System.out.printf(Locale.ROOT, "%-34s %26s %26s %26s %9d  %s%n", label(CONTENDERS.get(c)), spread(client),
          cold ? spread(jvm) : "", cold ? spread(cpu) : "", median.reads(), breakdown);
    }
    System.out.printf(Locale.ROOT, "Roster / Curator ServiceCache: %.2fx; Roster / Curator queryForInstances: %.2fx "
        + "(from client creation)%n", medians[0] / medians[1], medians[0] / medians[2]);
  }

  private static String spread(double[] sorted) {
    return String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", BenchSupport.median(sorted), sorted[0],
        sorted[sorted.length - 1]);
  }

  private static String label(String which) {
    return switch (which) {
      case "roster" -> "Roster watch().whenReady()";
      case "curator-cache" -> "Curator ServiceCache.start()";
      default -> "Curator queryForInstances()";
    };
  }
}
