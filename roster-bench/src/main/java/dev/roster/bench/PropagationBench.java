package dev.roster.bench;

import static dev.roster.bench.BenchSupport.BASE;
import static dev.roster.bench.BenchSupport.id;
import static dev.roster.bench.BenchSupport.percentile;
import static dev.roster.bench.BenchSupport.version;
import static dev.roster.bench.BenchSupport.withoutPings;

import dev.roster.bench.Owners.Owner;
import dev.roster.bench.Owners.SessionOwner;
import dev.roster.bench.Owners.Step;
import dev.roster.bench.Watchers.Group;
import dev.roster.bench.Watchers.Probe;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Version;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * End to end, side by side in one JVM against one embedded ZooKeeper on 127.0.0.1: how long
 * a registration, a deregistration and an owner's session ending take to reach every one of W
 * watching clients (each its own session: Roster {@code ServiceView}s with a listener, Curator
 * {@code ServiceCache}s with a listener, and the floor, a bare client with a child watch that
 * re-lists and reads the new child), with B instances already registered; the requests those
 * watchers send per change, from the server's per-session counts; then the flaps of {@link
 * FlapJob}.
 *
 * <pre>{@code
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.PropagationBench
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.PropagationBench --quick
 * }</pre>
 *
 * <p>Each change is timed from just before the call and from its return until the last
 * watcher's listener has seen it; changes are interleaved (Roster, Curator and the floor in
 * rotating order) so that drift on a shared machine falls on all alike. Each library's owner
 * is a client of that library on a session of its own; a session close opens a fresh owner
 * session, registers (untimed, awaited by every watcher), then closes it (timed).
 */
public final class PropagationBench {
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration AWAIT = Duration.ofSeconds(30);
  private static final String[] KINDS = {"add", "deregister", "session close"};
  /** Ids of the changed instances start here, above the pre-registered ones. */
  private static final int CHANGED = 100_000;

  private final EmbeddedZooKeeper server;
  private final Options options;
  private final List<String> summary = new ArrayList<>();
  private final List<String> loadSummary = new ArrayList<>();

  private PropagationBench(EmbeddedZooKeeper server, Options options) {
    this.server = server;
    this.options = options;
  }

  /** One library in one configuration: its owner, its watchers, and what was measured. */
  private static final class Contender {
    final String name;
    final Owner owner;
    final Probe probe;
    Group group;
    final Map<String, List<long[]>> samples = new LinkedHashMap<>();
    int changes;
    /** Session closes that some watcher never saw within the wait. */
    int missed;

    Contender(String name, Owner owner, Probe probe) {
      this.name = name;
      this.owner = owner;
      this.probe = probe;
      for (String kind : KINDS) {
        samples.put(kind, new ArrayList<>());
      }
    }
  }

  /**
   * Runs the jobs the options name, prints the tables and stops everything it started.
   *
   * @param args the options; {@code --help} lists them
   * @throws Exception if a server or a client cannot run
   */
  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("PropagationBench: " + e.getMessage());
      System.exit(2);
      return;
    }
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.builder().port(0).tickTime(Duration.ofMillis(20))
        .maxSessionTimeout(Duration.ofSeconds(60)).start()) {
      System.out.printf(Locale.ROOT, "Propagation bench: Roster %s beside Curator x-discovery %s, ZooKeeper %s "
              + "(embedded, %s), Java %s, %d cores%n%n", version("dev.roster", "roster-core"),
          version("org.apache.curator", "curator-x-discovery"), Version.getFullVersion().split("[- ]")[0],
          server.connectString(), System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
      try (ZooKeeper admin = BenchSupport.connect(server.connectString(), SESSION_TIMEOUT)) {
        BenchSupport.createIfMissing(admin, BASE, CreateMode.PERSISTENT);
        if (options.propagation) {
          PropagationBench bench = new PropagationBench(server, options);
          bench.run(admin);
          bench.summary.forEach(System.out::println);
          System.out.println();
          bench.loadSummary.forEach(System.out::println);
          System.out.println();
        }
        if (options.flaps) {
          new FlapJob(server, admin, options.blips, options.flapInstances, options.flapWatchers).run();
        }
      }
    }
  }

  private void run(ZooKeeper admin) throws Exception {
    summary.add("| B | W | change | Roster p50 / p99 / max | Curator p50 / p99 / max | Roster ÷ Curator "
        + "| floor p50 / p99 / max | Roster p50 from return | Curator | floor |");
    summary.add("|---|---|---|---|---|---|---|---|---|---|");
    loadSummary.add("| B | W | Roster requests per change per watcher | Curator | floor |");
    loadSummary.add("|---|---|---|---|---|");
    for (int b : options.baselines) {
      for (int w : options.watchers) {
        runConfig(admin, b, w);
      }
    }
  }

  private void runConfig(ZooKeeper admin, int baseline, int watchers) throws Exception {
    String suffix = "-b" + baseline + "-w" + watchers;
    String connect = server.connectString();
    List<Contender> contenders = new ArrayList<>();
    List<ZooKeeper> fillers = new ArrayList<>();
    long setup = System.nanoTime();
    try {
      for (String name : List.of("Roster", "Curator", "floor")) {
        String service = "prop-" + name.toLowerCase(Locale.ROOT) + suffix;
        BenchSupport.createIfMissing(admin, BASE + "/" + service, CreateMode.PERSISTENT);
        fillers.add(fill(service, baseline));
        Probe probe = new Probe(watchers);
        Owner owner = switch (name) {
          case "Roster" -> Owners.roster(connect, service, SESSION_TIMEOUT);
          case "Curator" -> Owners.curator(connect, service, SESSION_TIMEOUT);
          default -> Owners.floor(connect, service, SESSION_TIMEOUT);
        };
        Contender c = new Contender(name, owner, probe);
        contenders.add(c);
        c.group = switch (name) {
          case "Roster" -> new Watchers.RosterGroup(connect, service, watchers, SESSION_TIMEOUT, probe);
          case "Curator" -> new Watchers.CuratorGroup(connect, service, watchers, SESSION_TIMEOUT, probe, false);
          default -> new Watchers.FloorGroup(connect, service, watchers, SESSION_TIMEOUT, probe);
        };
        c.group.awaitSize(baseline, Duration.ofMinutes(2));
      }
      System.out.printf(Locale.ROOT, "B = %,d registered, W = %d watchers per library (set up in %.1f s)%n",
          baseline, watchers, (System.nanoTime() - setup) / 1e9);
      System.gc();
      List<Map<String, Long>> before = new ArrayList<>();
      for (Contender c : contenders) {
        before.add(BenchSupport.quiet(() -> Watchers.counts(server, c.group.sessionIds())));
      }
      int changes = options.warmup + options.changes;
      for (int k = 0; k < changes; k++) {
        for (int j = 0; j < contenders.size(); j++) {
          Contender c = contenders.get((k + j) % contenders.size());
          int i = CHANGED + k;
          long[] add = change(c, id(i), true, c.owner.prepareAdd(i));
          long[] remove = change(c, id(i), false, c.owner.prepareRemove(i));
          c.changes += 2;
          if (k >= options.warmup) {
            c.samples.get("add").add(add);
            c.samples.get("deregister").add(remove);
          }
        }
      }
      for (int k = 0; k < options.sessions; k++) {
        for (int j = 0; j < contenders.size(); j++) {
          Contender c = contenders.get((k + j) % contenders.size());
          int i = CHANGED + changes + k;
          SessionOwner session = c.owner.prepareSession(i);
          change(c, id(i), true, session::register);
          try {
            c.samples.get("session close").add(change(c, id(i), false, session::close));
          } catch (IllegalStateException e) {
            // Counted and reported rather than ending the run: seen with Curator's watchers,
            // some of which never saw a closed session's instance go.
            c.missed++;
            System.out.println("MISSED " + e.getMessage());
          }
          c.changes += 2;
        }
      }
      List<Map<String, Long>> after = new ArrayList<>();
      for (Contender c : contenders) {
        after.add(BenchSupport.quiet(() -> Watchers.counts(server, c.group.sessionIds())));
      }
      print(baseline, watchers, contenders, before, after);
    } finally {
      for (Contender c : contenders) {
        if (c.group != null) {
          c.group.close();
        }
        c.owner.close();
      }
      for (ZooKeeper filler : fillers) {
        filler.close();
      }
    }
  }

  /** Times one change: {from the call, from its return} to the last watcher seeing it, in ns. */
  private static long[] change(Contender c, String id, boolean present, Step step) throws Exception {
    c.probe.arm(id, present);
    long t0 = System.nanoTime();
    step.run();
    long t1 = System.nanoTime();
    long last;
    try {
      last = c.probe.await(AWAIT);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(c.name + ": " + e.getMessage(), e);
    }
    return new long[] {last - t0, last - t1};
  }

  /** Registers {@code n} instances of {@code service} in one session, pipelined; the session is returned open. */
  @SuppressWarnings("rawtypes")
  private ZooKeeper fill(String service, int n) throws Exception {
    ZooKeeper zk = BenchSupport.connect(server.connectString(), SESSION_TIMEOUT);
    JsonInstanceSerializer<java.util.Map> serializer = new JsonInstanceSerializer<>(java.util.Map.class);
    List<CompletableFuture<Void>> done = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      done.add(f);
      zk.create(BASE + "/" + service + "/" + id(i), serializer.serialize(BenchSupport.curatorInstance(service, i)),
          ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL, (rc, path, ctx, name) -> {
            if (rc == Code.OK.intValue()) {
              f.complete(null);
            } else {
              f.completeExceptionally(new IllegalStateException(path + ": " + Code.get(rc)));
            }
          }, null);
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get();
    return zk;
  }

  private void print(int baseline, int watchers, List<Contender> contenders, List<Map<String, Long>> before,
      List<Map<String, Long>> after) {
    System.out.printf(Locale.ROOT, "%-8s %-14s %6s  %-28s %-28s%n", "", "", "n", "ms from the call: p50 p99 max",
        "ms from its return: p50 p99 max");
    Map<String, double[][]> byKind = new TreeMap<>();
    for (String kind : KINDS) {
      double[][] rows = new double[contenders.size()][];
      for (int c = 0; c < contenders.size(); c++) {
        List<long[]> samples = contenders.get(c).samples.get(kind);
        long[] fromCall = samples.stream().mapToLong(s -> s[0]).sorted().toArray();
        long[] fromReturn = samples.stream().mapToLong(s -> s[1]).sorted().toArray();
        rows[c] = new double[] {ms(fromCall, 0.5), ms(fromCall, 0.99), ms(fromCall, 1),
            ms(fromReturn, 0.5), ms(fromReturn, 0.99), ms(fromReturn, 1)};
        System.out.printf(Locale.ROOT, "%-8s %-14s %6d  %8.2f %8.2f %8.2f   %8.2f %8.2f %8.2f%n",
            contenders.get(c).name, kind, samples.size(), rows[c][0], rows[c][1], rows[c][2],
            rows[c][3], rows[c][4], rows[c][5]);
      }
      byKind.put(kind, rows);
      double[] r = rows[0];
      double[] k = rows[1];
      double[] f = rows[2];
      summary.add(String.format(Locale.ROOT, "| %,d | %d | %s | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f "
              + "| %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %.2f | %.2f | %.2f |", baseline, watchers, kind,
          r[0], r[1], r[2], k[0], k[1], k[2], r[0] / k[0], r[1] / k[1], r[2] / k[2], f[0], f[1], f[2],
          r[3], k[3], f[3]));
    }
    StringBuilder load = new StringBuilder(String.format(Locale.ROOT, "| %,d | %d |", baseline, watchers));
    for (int c = 0; c < contenders.size(); c++) {
      Contender contender = contenders.get(c);
      Map<String, Long> delta = new TreeMap<>();
      Map<String, Long> b = before.get(c);
      after.get(c).forEach((op, n) -> {
        long d = n - b.getOrDefault(op, 0L);
        if (d != 0 && !op.equals(BenchSupport.PING)) {
          delta.put(op, d);
        }
      });
      double per = (double) withoutPings(delta) / contender.changes / watchers;
      StringBuilder ops = new StringBuilder();
      delta.forEach((op, n) -> ops.append(ops.length() == 0 ? "" : ", ").append(op).append(' ')
          .append(String.format(Locale.ROOT, "%.2f", (double) n / contender.changes / watchers)));
      System.out.printf(Locale.ROOT, "%-8s watcher requests per change per watcher: %.2f (%s) over %d changes%n",
          contender.name, per, ops, contender.changes);
      if (contender.missed > 0) {
        System.out.printf(Locale.ROOT, "%-8s session closes some watcher never saw within %d s: %d%n",
            contender.name, AWAIT.toSeconds(), contender.missed);
      }
      load.append(String.format(Locale.ROOT, " %.2f (%s) |", per, ops));
    }
    loadSummary.add(load.toString());
    if (options.charts != null) {
      Map<String, long[]> adds = new LinkedHashMap<>();
      for (Contender c : contenders) {
        adds.put(c.name.equals("Roster") || c.name.equals("Curator") ? c.name : "ZooKeeper floor",
            c.samples.get("add").stream().mapToLong(s -> s[0]).toArray());
      }
      Charts.distributions(options.charts.resolve("propagation-add-" + baseline + "-registered-" + watchers
              + "-watchers.png"),
          String.format(Locale.ROOT, "An add, from the register call until all %d watchers see it (%,d registered)",
              watchers, baseline), adds);
    }
    System.out.printf(Locale.ROOT, "Roster / Curator from the call, add: p50 %.2fx, p99 %.2fx, max %.2fx; "
            + "load average now %.1f%n%n", byKind.get("add")[0][0] / byKind.get("add")[1][0],
        byKind.get("add")[0][1] / byKind.get("add")[1][1], byKind.get("add")[0][2] / byKind.get("add")[1][2],
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static double ms(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : percentile(sorted, p) / 1e6;
  }

  /** The command line; see {@link #parse}. */
  private static final class Options {
    List<Integer> baselines = List.of(0, 1000);
    List<Integer> watchers = List.of(1, 10, 100);
    int changes = 200;
    int sessions = 20;
    int warmup = 10;
    int blips = 5;
    int flapInstances = 100;
    int flapWatchers = 10;
    boolean propagation = true;
    boolean flaps = true;
    java.nio.file.Path charts; // null: no charts

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--baselines" -> o.baselines = list(value(args, ++i));
          case "--watchers" -> o.watchers = list(value(args, ++i));
          case "--changes" -> o.changes = Integer.parseInt(value(args, ++i));
          case "--sessions" -> o.sessions = Integer.parseInt(value(args, ++i));
          case "--warmup" -> o.warmup = Integer.parseInt(value(args, ++i));
          case "--blips" -> o.blips = Integer.parseInt(value(args, ++i));
          case "--charts" -> o.charts = java.nio.file.Path.of(value(args, ++i));
          case "--only" -> {
            String job = value(args, ++i);
            o.propagation = job.equals("propagation");
            o.flaps = job.equals("flaps");
            if (!o.propagation && !o.flaps) {
              throw new IllegalArgumentException("--only " + job + ": propagation or flaps");
            }
          }
          case "--quick" -> {
            o.baselines = List.of(0, 100);
            o.watchers = List.of(1, 10);
            o.changes = 30;
            o.sessions = 5;
            o.warmup = 5;
            o.blips = 2;
            o.flapWatchers = 3;
          }
          case "--help", "-h" -> {
            System.out.println("usage: PropagationBench [--baselines 0,1000] [--watchers 1,10,100] [--changes 200] "
                + "[--sessions 20] [--warmup 10] [--blips 5] [--only propagation|flaps] [--charts DIR] [--quick]");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i] + "; try --help");
        }
      }
      return o;
    }

    private static List<Integer> list(String value) {
      return Arrays.stream(value.split(",")).map(s -> Integer.parseInt(s.trim())).toList();
    }

    private static String value(String[] args, int i) {
      if (i >= args.length) {
        throw new IllegalArgumentException(args[i - 1] + ": needs a value");
      }
      return args[i];
    }
  }
}
