package dev.roster.bench;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.agent.Agent;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * Cached {@code GET /v1/services/{name}} throughput of the agent, measured with {@code wrk}
 * on loopback. One JVM holds an embedded ZooKeeper, the agent (both on free ports of
 * 127.0.0.1) and a library Roster that registers the instances; {@code wrk} runs as a child
 * process, once per service size and repetition, sizes interleaved. wrk and the agent share
 * the machine's cores, so the figure is what one box serves while also generating the load.
 *
 * <pre>{@code
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.AgentBench --instances 10,100 --reps 5
 * }</pre>
 *
 * <p>Options: {@code --instances} (comma-separated service sizes), {@code --reps}, {@code
 * --duration} and {@code --warmup} (seconds per wrk run), {@code --threads} and {@code
 * --connections} (wrk's {@code -t} and {@code -c}), {@code --jfr FILE} (a profiling recording
 * of the measured runs, for {@code jfr print --events jdk.ExecutionSample FILE}).
 */
public final class AgentBench {
  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern LATENCY = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$",
      Pattern.MULTILINE);
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");

  /** One wrk run: requests per second and the latency percentiles, in microseconds. */
  private record Run(double rate, double p50, double p99) {}

  private AgentBench() {}

  /**
   * Runs the bench and prints its table; see the class comment for what it measures.
   *
   * @param args options: {@code --instances}, {@code --reps}, {@code --duration}, {@code --warmup},
   *     among others
   * @throws Exception if a server, the agent or wrk cannot run
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(10, 100);
    int reps = 5;
    int duration = 10;
    int warmup = 5;
    int threads = 2;
    int connections = 64;
    Path jfr = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--instances" -> sizes = parseList(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--duration" -> duration = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--connections" -> connections = Integer.parseInt(args[++i]);
        case "--jfr" -> jfr = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println("machine: " + Stats.machine() + "; at start, " + Stats.load());
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().port(0).start();
        Roster library = Roster.builder().connectString(zk.connectString()).build();
        Agent agent = Agent.builder().connectString(zk.connectString()).host("127.0.0.1").port(0).start()) {
      List<Registration> held = new ArrayList<>();
      Map<Integer, URI> urls = new LinkedHashMap<>();
      for (int size : sizes) {
        String service = "bench-" + size;
        for (int i = 0; i < size; i++) {
          held.add(library.register(ServiceInstance.builder(service).id("i-" + i).address("10.0.0." + (i % 250 + 1))
              .port(8000 + i).zone(i % 2 == 0 ? "eu-1" : "eu-2").metadata("version", "1.4.2").build()));
        }
        URI url = agent.uri().resolve("/v1/services/" + service);
        awaitInstances(url, size);
        urls.put(size, url);
      }
      String wrkArgs = "-t" + threads + " -c" + connections + " -d" + duration + "s";
      System.out.printf(Locale.ROOT, "agent pid %d at %s; wrk %s --latency URL%n", ProcessHandle.current().pid(),
          agent.uri(), wrkArgs);
      for (URI url : urls.values()) {
        wrk(url, threads, connections, warmup);
      }
      Recording recording = null;
      if (jfr != null) {
        recording = new Recording(Configuration.getConfiguration("profile"));
        recording.start();
      }
      Map<Integer, List<Run>> runs = new LinkedHashMap<>();
      for (int rep = 0; rep < reps; rep++) {
        for (Map.Entry<Integer, URI> e : urls.entrySet()) {
          Run run = wrk(e.getValue(), threads, connections, duration);
          runs.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(run);
          System.out.printf(Locale.ROOT, "rep %d, %d instances: %.0f requests/s, p50 %.0f µs, p99 %.0f µs; %s%n",
              rep + 1, e.getKey(), run.rate, run.p50, run.p99, Stats.load());
        }
      }
      if (recording != null) {
        recording.stop();
        recording.dump(jfr);
        recording.close();
        System.out.println("profile written to " + jfr);
      }
      System.out.printf(Locale.ROOT, "%n| instances | requests/s, median (min–max) | p50 latency, µs | p99 latency, µs |%n");
      System.out.println("|---|---|---|---|");
      for (Map.Entry<Integer, List<Run>> e : runs.entrySet()) {
        List<Run> rs = e.getValue();
        System.out.printf(Locale.ROOT, "| %d | %s | %s | %s |%n", e.getKey(),
            Stats.spread(rs.stream().map(Run::rate).toList(), "%,.0f"),
            Stats.spread(rs.stream().map(Run::p50).toList(), "%,.0f"),
            Stats.spread(rs.stream().map(Run::p99).toList(), "%,.0f"));
      }
      held.forEach(Registration::close);
    }
  }

  /** Polls the agent until its view of the service holds {@code size} instances. */
  static void awaitInstances(URI url, int size) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200 && count(r.body(), "\"id\":") == size) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(url + " did not show " + size + " instances within 30 s");
      }
      Thread.sleep(50); // polling an external process's view; there is nothing to await on
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }

  private static Run wrk(URI url, int threads, int connections, int seconds) throws Exception {
    Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency",
        url.toString()).redirectErrorStream(true).start();
    String out;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      out = String.join("\n", in.lines().toList());
    } finally {
      if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("wrk exited " + p.exitValue() + ":\n" + out);
    }
    Matcher bad = NON_2XX.matcher(out);
    if (bad.find()) {
      throw new IllegalStateException("wrk saw " + bad.group(1) + " non-2xx responses:\n" + out);
    }
    Matcher rate = RATE.matcher(out);
    if (!rate.find()) {
      throw new IllegalStateException("no Requests/sec in wrk's output:\n" + out);
    }
    double p50 = Double.NaN;
    double p99 = Double.NaN;
    Matcher m = LATENCY.matcher(out);
    while (m.find()) {
      double micros = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
        case "us" -> 1;
        case "ms" -> 1_000;
        default -> 1_000_000;
      };
      if (m.group(1).equals("50")) {
        p50 = micros;
      } else {
        p99 = micros;
      }
    }
    return new Run(Double.parseDouble(rate.group(1)), p50, p99);
  }

  private static List<Integer> parseList(String text) {
    List<Integer> out = new ArrayList<>();
    for (String part : text.split(",")) {
      out.add(Integer.parseInt(part.trim()));
    }
    return out;
  }
}
