package dev.roster.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every benchmark of BENCHMARKS.md, one after another, each in a JVM of its own so none
 * inherits another's heap, threads or JIT state; what each prints goes to the console and to
 * a file, and the charts to one directory. This is what {@code ./roster bench} runs.
 *
 * <pre>{@code
 * ./roster bench [--quick] [--only pick,registration,...] [--out DIR]
 * }</pre>
 */
public final class BenchAll {
  /** One benchmark: its name, its main class (or JMH), and its arguments, full and quick. */
  private record Job(String name, String main, List<String> full, List<String> quick, String heap, String what) {
    /** Whether the benchmark draws charts of its own (the JMH job's are drawn here). */
    boolean charts() {
      return CHARTING.contains(name);
    }
  }

  private static final List<String> CHARTING = List.of("registration", "propagation", "heap");

  private static final List<Job> JOBS = List.of(
      new Job("pick", "jmh", List.of("-f", "1", "-wi", "2", "-w", "1", "-i", "5", "-r", "1"),
          List.of("-f", "1", "-wi", "1", "-w", "1", "-i", "2", "-r", "1", "-p", "instances=100,10000"),
          "", "pick cost by strategy and instance count, JMH with -prof gc"),
      new Job("registration", RegistrationBench.class.getName(), List.of("--counts", "1000,10000", "--reps", "5"),
          List.of("--quick"), "-Xmx2g", "one by one and in one batch, beside Curator and bare creates"),
      new Job("propagation", PropagationBench.class.getName(), List.of("--changes", "100", "--sessions", "10"),
          List.of("--quick"), "-Xmx3g",
          "propagation to 1, 10 and 100 watchers, watcher load, flaps"),
      new Job("heap", ViewHeapBench.class.getName(), List.of("--instances", "1000,10000,100000", "--runs", "5"),
          List.of("--quick"), "-Xmx1g", "retained heap per cached instance, fresh JVMs"),
      new Job("firstview", FirstViewBench.class.getName(), List.of("--counts", "1000,10000"), List.of("--quick"),
          "-Xmx4g", "first complete view, cold JVM and warm"),
      new Job("scale", ScaleBench.class.getName(), List.of(), List.of("--quick"), "-Xmx8g",
          "100,000 instances in 1,000 services, 100 watchers; where getChildren hits jute.maxbuffer"),
      new Job("agent", AgentBench.class.getName(), List.of("--instances", "10,100", "--reps", "5"),
          List.of("--instances", "10", "--reps", "1", "--duration", "3", "--warmup", "1"), "-Xmx1g",
          "cached GET throughput with wrk"),
      new Job("dns", DnsBench.class.getName(), List.of("--instances", "10,1000", "--reps", "3"),
          List.of("--instances", "10", "--reps", "1", "--duration", "3"), "-Xmx1g",
          "the agent's DNS: queries/s and latency with dnsperf"),
      new Job("agent-fanout", AgentFanoutBench.class.getName(),
          List.of("--queries", "1000", "--streams", "1000", "--changes", "10"),
          List.of("--queries", "200", "--streams", "200", "--changes", "3"), "-Xmx1g",
          "one change told to parked queries and event streams"),
      new Job("agent-streams", AgentStreamsBench.class.getName(), List.of("--streams", "10000", "--runs", "3"),
          List.of("--streams", "1000", "--runs", "1"), "-Xmx1g", "heap and threads of open event streams"));

  private BenchAll() {}

  /**
   * Runs every bench, or those {@code --only} names, and writes the report.
   *
   * @param args options: {@code --quick}, {@code --out DIR}, {@code --only NAME,...}
   * @throws Exception if a bench cannot be started or the report cannot be written
   */
  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path out = Path.of("roster-bench", "target", "bench-report");
    List<String> only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(need(args, ++i));
        case "--only" -> only = Arrays.asList(need(args, ++i).split(","));
        case "--help", "-h" -> {
          usage(System.out);
          return;
        }
        default -> {
          System.err.println("bench: unknown option " + args[i]);
          usage(System.err);
          System.exit(2);
        }
      }
    }
    List<Job> jobs = new ArrayList<>();
    for (Job job : JOBS) {
      if (only == null || only.contains(job.name())) {
        jobs.add(job);
      }
    }
    if (only != null && jobs.size() != only.size()) {
      System.err.println("bench: --only names " + only + "; the benchmarks are " + JOBS.stream().map(Job::name).toList());
      System.exit(2);
    }
    Path charts = out.resolve("charts");
    Files.createDirectories(charts);
    String jar = Path.of(BenchAll.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    Map<String, String> outcome = new LinkedHashMap<>();
    Instant started = Instant.now();
    for (Job job : jobs) {
      if (job.name().equals("agent") && !onPath("wrk")) {
        outcome.put(job.name(), "skipped: wrk is not installed (apt-get install -y wrk)");
        continue;
      }
      if (job.name().equals("dns") && !onPath("dnsperf")) {
        outcome.put(job.name(), "skipped: dnsperf is not installed (apt-get install -y dnsperf)");
        continue;
      }
      long t0 = System.nanoTime();
      int code = run(job, quick, jar, out, charts);
      outcome.put(job.name(), (code == 0 ? "done" : "FAILED (exit " + code + ")") + String.format(Locale.ROOT,
          " in %.0f s", (System.nanoTime() - t0) / 1e9));
    }
    System.out.printf(Locale.ROOT, "%nbench: %s run, %s, in %s%n", quick ? "quick" : "full", started,
        Duration.between(started, Instant.now()).withNanos(0));
    outcome.forEach((name, what) -> System.out.printf(Locale.ROOT, "  %-14s %s%n", name, what));
    System.out.println("  output: " + out.toAbsolutePath() + " (one .txt per benchmark; PNG charts in charts/)");
    if (outcome.values().stream().anyMatch(v -> v.startsWith("FAILED"))) {
      System.exit(1);
    }
  }

  private static int run(Job job, boolean quick, String jar, Path out, Path charts) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    Path json = out.resolve(job.name() + ".json");
    if (job.main().equals("jmh")) {
      command.addAll(List.of("-jar", jar, "Pick", "-prof", "gc", "-rf", "json", "-rff", json.toString()));
    } else {
      if (!job.heap().isEmpty()) {
        command.add(job.heap());
      }
      command.addAll(List.of("-Djava.awt.headless=true", "-cp", jar, job.main()));
    }
    command.addAll(quick ? job.quick() : job.full());
    if (job.charts()) {
      command.addAll(List.of("--charts", charts.toString()));
    }
    System.out.printf(Locale.ROOT, "%n=== %s: %s%n$ %s%n", job.name(), job.what(), String.join(" ", command));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        PrintStream log = new PrintStream(Files.newOutputStream(out.resolve(job.name() + ".txt")), true,
            StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        System.out.println(line);
        log.println(line);
      }
    }
    int code = p.waitFor();
    if (code == 0 && job.main().equals("jmh")) {
      pickChart(json, charts.resolve("pick-cost.png"));
      pickTable(json, System.out);
    }
    return code;
  }

  /** Pick cost by instance count, one line per library and strategy, from JMH's JSON results. */
  static void pickChart(Path json, Path png) throws IOException {
    JsonNode results = new ObjectMapper().readTree(json.toFile());
    Map<String, Map<Integer, Double>> byLine = new TreeMap<>();
    TreeSet<Integer> counts = new TreeSet<>();
    for (JsonNode r : results) {
      String benchmark = r.get("benchmark").asText();
      JsonNode params = r.path("params");
      int instances = params.path("instances").asInt();
      String strategy = params.path("strategy").asText("");
      String library = benchmark.contains("Curator") ? "Curator" : "Roster";
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      String line = library + " " + strategy + (method.equals("pick") || method.equals("getInstance") ? ""
          : " " + method);
      byLine.computeIfAbsent(line.trim(), k -> new TreeMap<>()).put(instances, r.path("primaryMetric").path("score")
          .asDouble());
      counts.add(instances);
    }
    double[] xs = counts.stream().mapToDouble(Integer::doubleValue).toArray();
    Map<String, double[]> series = new LinkedHashMap<>();
    byLine.forEach((line, values) -> {
      if (values.size() == counts.size()) {
        series.put(line, values.values().stream().mapToDouble(Double::doubleValue).toArray());
      }
    });
    Charts.lines(png, "Cost of one pick (JMH, average time)", "instances in the view (log scale)",
        "ns per pick (log scale)", xs, series, true, true);
  }

  /**
   * Prints ns per pick (JMH's score) and bytes per pick as the median over the measured
   * iterations. Not JMH's mean: JMH runs a trial's tear-down inside its last iteration, and
   * there the fixture's server deletes every instance (and, stopping, writes them out), which
   * {@code -prof gc} counts against that iteration's picks (hundreds of bytes per pick for a
   * hashing strategy at 10,000 instances, none of it the pick's).
   */
  static void pickTable(Path json, PrintStream out) throws IOException {
    JsonNode results = new ObjectMapper().readTree(json.toFile());
    out.println();
    out.println("pick cost: ns per pick (JMH mean), bytes per pick (median of the measured iterations; mean)");
    for (JsonNode r : results) {
      String benchmark = r.get("benchmark").asText();
      JsonNode params = r.path("params");
      JsonNode alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
      List<Double> perIteration = new ArrayList<>();
      alloc.path("rawData").forEach(fork -> fork.forEach(v -> perIteration.add(v.asDouble())));
      perIteration.sort(null);
      int n = perIteration.size();
      double median = n == 0 ? Double.NaN : n % 2 == 1 ? perIteration.get(n / 2)
          : (perIteration.get(n / 2 - 1) + perIteration.get(n / 2)) / 2;
      out.printf(Locale.ROOT, "  %-45s %-26s %6s  %,14.1f ns  %,12.1f B  (mean %,.1f B)%n",
          benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1),
          params.path("strategy").asText(""), params.path("instances").asText(""),
          r.path("primaryMetric").path("score").asDouble(), median, alloc.path("score").asDouble());
    }
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static String need(String[] args, int i) {
    if (i >= args.length) {
      System.err.println("bench: " + args[i - 1] + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  private static void usage(PrintStream out) {
    out.println("usage: roster bench [--quick] [--only NAME,...] [--out DIR]");
    out.println();
    out.println("Runs the benchmarks of BENCHMARKS.md one after another, each in a JVM of its own, against");
    out.println("embedded ZooKeeper servers on 127.0.0.1. Writes what each prints to DIR/NAME.txt and the PNG");
    out.println("charts to DIR/charts (default DIR: roster-bench/target/bench-report). --quick: small sizes,");
    out.println("a few minutes in all. The benchmarks:");
    for (Job job : JOBS) {
      out.printf(Locale.ROOT, "  %-14s %s%n", job.name(), job.what());
    }
  }
}
