package dev.roster.bench;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What many open event streams cost the agent: its heap after a full GC and its thread count,
 * read inside the agent's own JVM ({@link AgentChild}) before and while {@code --streams}
 * streams are open, so the clients' heap (in this JVM, on one selector thread: {@link
 * LoopbackClient}) is not counted. Each run starts a fresh agent; once all streams are open
 * one registration is made, and the time until every stream has its event is reported too.
 *
 * <pre>{@code
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.AgentStreamsBench --streams 10000 --runs 3
 * }</pre>
 *
 * <p>Each process holds one socket per stream; keep {@code ulimit -n} above the stream count.
 */
public final class AgentStreamsBench {
  private static final String SERVICE = "streams";
  private static final int INSTANCES = 10;

  private AgentStreamsBench() {}

  /**
   * Runs the bench and prints its table; see the class comment for what it measures.
   *
   * @param args options: {@code --streams}, {@code --runs}, {@code --agent-jvm}
   * @throws Exception if a server or the agent cannot run
   */
  public static void main(String[] args) throws Exception {
    int streams = 10_000;
    int runs = 3;
    List<String> agentJvm = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--streams" -> streams = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--agent-jvm" -> agentJvm.add(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println("machine: " + Stats.machine() + "; at start, " + Stats.load());
    List<Double> heapMb = new ArrayList<>();
    List<Double> perStream = new ArrayList<>();
    List<Double> threads = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().port(0).start();
        Roster library = Roster.builder().connectString(zk.connectString()).build()) {
      List<Registration> held = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        held.add(library.register(ServiceInstance.builder(SERVICE).id("i-" + i).address("10.0.0." + (i + 1))
            .port(8000 + i).zone("eu-1").metadata("version", "1.4.2").build()));
      }
      for (int run = 1; run <= runs; run++) {
        try (AgentChild agent = AgentChild.start(zk.connectString(), agentJvm);
            LoopbackClient clients = new LoopbackClient(agent.uri())) {
          URI service = agent.uri().resolve("/v1/services/" + SERVICE);
          AgentBench.awaitInstances(service, INSTANCES);
          AgentChild.Usage before = agent.usage();
          List<LoopbackClient.Stream> open = AgentFanoutBench.openStreams(clients,
              "/v1/services/" + SERVICE + "/events", streams);
          double gauge = agent.gauge("roster_agent_sse_streams");
          if (gauge != streams) {
            throw new IllegalStateException("the agent counts " + gauge + " streams, not " + streams);
          }
          AgentChild.Usage with = agent.usage();
          long index = lastIndex(open);
          List<CompletableFuture<Long>> told = new ArrayList<>();
          for (LoopbackClient.Stream s : open) {
            told.add(s.expect(index + 1));
          }
          long start = System.nanoTime();
          Registration extra = library.register(ServiceInstance.builder(SERVICE).id("extra-" + run)
              .address("10.0.1.1").port(9000).build());
          long[] micros = new long[told.size()];
          for (int i = 0; i < micros.length; i++) {
            micros[i] = TimeUnit.NANOSECONDS.toMicros(told.get(i).get(60, TimeUnit.SECONDS) - start);
          }
          extra.close();
          double mb = with.heapUsedBytes() / (1024.0 * 1024);
          double bytesPerStream = (double) (with.heapUsedBytes() - before.heapUsedBytes()) / streams;
          heapMb.add(mb);
          perStream.add(bytesPerStream);
          threads.add((double) with.threads());
          long p99Micros = Stats.percentile(micros, 99);
          p99.add(p99Micros / 1000.0);
          System.out.printf(Locale.ROOT, "run %d (%s): heap after GC %.1f MB with %d streams (%.1f MB before), "
                  + "%.0f bytes per stream; threads %d before, %d with streams (peak %d); "
                  + "one change to all streams: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", run, Stats.load(), mb,
              streams, before.heapUsedBytes() / (1024.0 * 1024), bytesPerStream, before.threads(), with.threads(),
              with.peakThreads(), Stats.percentile(micros, 50) / 1000.0, p99Micros / 1000.0,
              micros[micros.length - 1] / 1000.0);
        }
      }
      held.forEach(Registration::close);
    }
    System.out.printf(Locale.ROOT, "%n| %,d open streams, %d fresh agents, median (min–max) | |%n", streams, runs);
    System.out.println("|---|---|");
    System.out.printf(Locale.ROOT, "| agent heap after GC, MB | %s |%n", Stats.spread(heapMb, "%.1f"));
    System.out.printf(Locale.ROOT, "| heap per stream, bytes | %s |%n", Stats.spread(perStream, "%,.0f"));
    System.out.printf(Locale.ROOT, "| agent JVM threads | %s |%n", Stats.spread(threads, "%.0f"));
    System.out.printf(Locale.ROOT, "| one change to every stream, p99 ms | %s |%n", Stats.spread(p99, "%.1f"));
  }

  /** The index every stream has reached: its snapshot's, the same for all. */
  private static long lastIndex(List<LoopbackClient.Stream> open) {
    long index = open.get(0).lastId();
    for (LoopbackClient.Stream s : open) {
      if (s.lastId() != index) {
        throw new IllegalStateException("streams disagree on the index: " + s.lastId() + " and " + index);
      }
    }
    return index;
  }
}
