package dev.roster.bench;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.agent.Agent;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The agent's DNS interface under {@code dnsperf} (Debian's package of that name) on loopback:
 * queries per second, and latency at a fixed rate, for A and SRV questions about a service of
 * 10 and of 1,000 instances. One JVM holds an embedded ZooKeeper, the agent with DNS on a free
 * port of 127.0.0.1, and a library Roster that registers the instances; dnsperf runs as a
 * child process, one run per question and repetition, interleaved. dnsperf and the agent share
 * the machine's two cores, so the figure is what one box answers while also asking.
 *
 * <pre>{@code
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.DnsBench --instances 10,1000 --reps 3
 * }</pre>
 *
 * <p>Options: {@code --instances} (comma-separated service sizes), {@code --reps}, {@code
 * --duration} (seconds per throughput run), {@code --rate} (queries per second of the latency
 * runs), {@code --clients} (dnsperf's {@code -c}), {@code --outstanding} (its {@code -q}).
 *
 * <p>Queries go over UDP with EDNS0 (dnsperf's {@code -e}: a 4,096-byte buffer), so a large
 * service's answers are as many records as fit with the TC bit set, which is what a resolver
 * asking over UDP gets before it asks again over TCP. Not over TCP: dnsperf 2.10 times out on
 * every reply of the size a 1,000-instance SRV answer has (51 KB; dig and dnsjava read it), and
 * with one query outstanding waits about 20 ms on each 16 KB A answer that a plain socket reads
 * at once. Latency is each answer's time as dnsperf reports it ({@code -v}) in runs held to
 * {@code --rate} queries per second, where the server is not saturated.
 */
public final class DnsBench {
  private static final Pattern QPS = Pattern.compile("Queries per second:\\s+([0-9.]+)");
  private static final Pattern LOST = Pattern.compile("Queries lost:\\s+(\\d+)");
  private static final Pattern CODES = Pattern.compile("Response codes:\\s+(.*)");
  private static final Pattern ANSWER = Pattern.compile("^> (\\S+) \\S+ \\S+ ([0-9.]+)$");

  /** One question: what dnsperf asks, and over which transport. */
  private record Question(String label, String name, String type, String mode, int size) {}

  private DnsBench() {}

  /**
   * Runs the bench and prints its table; see the class comment for what it measures.
   *
   * @param args options: {@code --instances}, {@code --reps}, {@code --duration}, {@code --rate},
   *     among others
   * @throws Exception if a server, the agent or dnsperf cannot run
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(10, 1000);
    int reps = 3;
    int duration = 8;
    int rate = 10_000;
    int clients = 4;
    int outstanding = 200;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--instances" -> sizes = parseList(args[++i]);
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--duration" -> duration = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--outstanding" -> outstanding = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println("machine: " + Stats.machine() + "; at start, " + Stats.load());
    Path dir = Files.createTempDirectory("roster-dnsbench-");
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().port(0).start();
        Roster library = Roster.builder().connectString(zk.connectString()).build();
        Agent agent = Agent.builder().connectString(zk.connectString()).host("127.0.0.1").port(0)
            .dns(new InetSocketAddress("127.0.0.1", 0)).dnsRateLimit(0).start()) {
      InetSocketAddress dns = agent.dnsAddress();
      List<Registration> held = new ArrayList<>();
      List<Question> questions = new ArrayList<>();
      for (int size : sizes) {
        String service = "dns-" + size;
        for (int i = 0; i < size; i++) {
          held.add(library.register(ServiceInstance.builder(service).id("i-" + i)
              .address("10.0." + (i / 250) + "." + (i % 250 + 1)).port(8000 + (i % 1000))
              .zone(i % 2 == 0 ? "eu-1" : "eu-2").build()));
        }
        String name = service + ".service.roster";
        awaitRecords(dns, name, size);
        questions.add(new Question("A, " + size + ", UDP", name, "A", "udp", size));
        questions.add(new Question("SRV, " + size + ", UDP", name, "SRV", "udp", size));
      }
      System.out.printf(Locale.ROOT, "agent pid %d, DNS at %s; dnsperf -e -c %d -q %d -l %d, latency at -Q %d%n",
          ProcessHandle.current().pid(), dns, clients, outstanding, duration, rate);
      for (Question q : questions) { // warm-up
        dnsperf(dir, dns, q, List.of("-c", String.valueOf(clients), "-q", String.valueOf(outstanding), "-l", "2"));
      }
      Map<String, List<Double>> qps = new LinkedHashMap<>();
      Map<String, List<Double>> p50 = new LinkedHashMap<>();
      Map<String, List<Double>> p99 = new LinkedHashMap<>();
      for (int rep = 0; rep < reps; rep++) {
        for (Question q : questions) {
          String out = dnsperf(dir, dns, q,
              List.of("-c", String.valueOf(clients), "-q", String.valueOf(outstanding), "-l", String.valueOf(duration)));
          double perSecond = Double.parseDouble(find(QPS, out, "Queries per second"));
          qps.computeIfAbsent(q.label(), k -> new ArrayList<>()).add(perSecond);
          String latencyRun = dnsperf(dir, dns, q, List.of("-c", "1", "-Q", String.valueOf(rate), "-l", "4", "-v"));
          long[] micros = latencies(latencyRun);
          long median = Stats.percentile(micros, 50);
          long tail = Stats.percentile(micros, 99);
          p50.computeIfAbsent(q.label(), k -> new ArrayList<>()).add((double) median);
          p99.computeIfAbsent(q.label(), k -> new ArrayList<>()).add((double) tail);
          System.out.printf(Locale.ROOT, "rep %d, %s: %,.0f queries/s (%s); at %d/s p50 %.0f µs, p99 %.0f µs; %s%n",
              rep + 1, q.label(), perSecond, find(CODES, out, "Response codes").trim(), rate,
              (double) median, (double) tail, Stats.load());
        }
      }
      System.out.printf(Locale.ROOT, "%n| question (instances, transport) | queries/s, median (min–max) | p50 µs at %,d/s | p99 µs at %,d/s |%n",
          rate, rate);
      System.out.println("|---|---|---|---|");
      for (String label : qps.keySet()) {
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", label, Stats.spread(qps.get(label), "%,.0f"),
            Stats.spread(p50.get(label), "%,.0f"), Stats.spread(p99.get(label), "%,.0f"));
      }
      held.forEach(Registration::close);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /** Asks over TCP until the agent answers {@code size} A records (its view is complete). */
  private static void awaitRecords(InetSocketAddress dns, String name, int size) throws Exception {
    SimpleResolver resolver = new SimpleResolver(dns);
    resolver.setTCP(true);
    resolver.setTimeout(Duration.ofSeconds(5));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Message reply = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN)));
      if (reply.getSection(Section.ANSWER).size() == size) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not answer " + size + " A records within 30 s");
      }
      Thread.sleep(50); // polling a server's answers over the wire; there is nothing to await on
    }
  }

  private static String dnsperf(Path dir, InetSocketAddress dns, Question q, List<String> extra) throws Exception {
    Path input = dir.resolve(q.type() + "-" + q.size() + ".txt");
    Files.writeString(input, q.name() + " " + q.type() + "\n");
    List<String> command = new ArrayList<>(List.of("dnsperf", "-s", dns.getAddress().getHostAddress(), "-p",
        String.valueOf(dns.getPort()), "-m", q.mode(), "-e", "-d", input.toString(), "-T", "1", "-t", "2"));
    command.addAll(extra);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      out = String.join("\n", in.lines().toList());
    } finally {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("dnsperf exited " + p.exitValue() + ":\n" + tail(out));
    }
    Matcher lost = LOST.matcher(out);
    if (lost.find() && Long.parseLong(lost.group(1)) > 0) {
      System.out.println("  (" + q.label() + ": dnsperf lost " + lost.group(1) + " queries)");
    }
    return out;
  }

  /** Each answer's latency from dnsperf's {@code -v} lines, in microseconds. */
  private static long[] latencies(String out) {
    List<Long> micros = new ArrayList<>();
    for (String line : out.split("\n")) {
      Matcher m = ANSWER.matcher(line);
      if (m.matches()) {
        micros.add(Math.round(Double.parseDouble(m.group(2)) * 1e6));
      }
    }
    if (micros.isEmpty()) {
      throw new IllegalStateException("no answers in dnsperf's verbose output:\n" + tail(out));
    }
    return micros.stream().mapToLong(Long::longValue).toArray();
  }

  private static String find(Pattern pattern, String out, String what) {
    Matcher m = pattern.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no " + what + " in dnsperf's output:\n" + tail(out));
    }
    return m.group(1);
  }

  private static String tail(String out) {
    return out.length() > 2_000 ? out.substring(out.length() - 2_000) : out;
  }

  private static List<Integer> parseList(String text) {
    List<Integer> out = new ArrayList<>();
    for (String part : text.split(",")) {
      out.add(Integer.parseInt(part.trim()));
    }
    return out;
  }
}
