package dev.roster.bench;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How long the agent takes to tell parked blocking queries and event-stream subscribers of one
 * change. The agent runs in a child JVM ({@link AgentChild}); this JVM holds the embedded
 * ZooKeeper, a library Roster that makes the changes, and the clients: {@code --streams}
 * event streams kept open throughout and, before each change, {@code --queries} blocking
 * queries {@code ?index=N&wait=60s}, all on one selector thread ({@link LoopbackClient}). Once the agent's own gauges show every query parked and every stream open, the
 * clock starts, the Roster registers (or deregisters) an instance, and each client's latency
 * is the time until it has its whole response, or the event of the new index.
 *
 * <pre>{@code
 * ./mvnw -B -q -ntp -pl roster-bench -am package -DskipTests
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.AgentFanoutBench --queries 1000 --streams 1000 --changes 10
 * }</pre>
 *
 * <p>{@code --no-fsync} stops ZooKeeper syncing its log, so that a shared disk's stalls stay
 * out of the change's own time; {@code --agent-jvm OPTION} passes an option to the agent's JVM
 * (such as {@code -XX:StartFlightRecording=filename=agent.jfr,settings=profile}).
 */
public final class AgentFanoutBench {
  private static final String SERVICE = "fanout";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private AgentFanoutBench() {}

  /**
   * Runs the bench and prints its table; see the class comment for what it measures.
   *
   * @param args options: {@code --queries}, {@code --streams}, {@code --changes}, {@code --warmup},
   *     among others
   * @throws Exception if a server or the agent cannot run
   */
  public static void main(String[] args) throws Exception {
    int queries = 1000;
    int streams = 1000;
    int changes = 10;
    int warmup = 3;
    int instances = 10;
    List<String> agentJvm = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--queries" -> queries = Integer.parseInt(args[++i]);
        case "--streams" -> streams = Integer.parseInt(args[++i]);
        case "--changes" -> changes = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--instances" -> instances = Integer.parseInt(args[++i]);
        case "--agent-jvm" -> agentJvm.add(args[++i]);
        case "--no-fsync" -> System.setProperty("zookeeper.forceSync", "no");
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.println("machine: " + Stats.machine() + "; at start, " + Stats.load());
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().port(0).start();
        Roster library = Roster.builder().connectString(zk.connectString()).build()) {
      List<Registration> held = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        held.add(library.register(instance("base-" + i, i)));
      }
      try (AgentChild agent = AgentChild.start(zk.connectString(), agentJvm);
          LoopbackClient clients = new LoopbackClient(agent.uri())) {
        URI service = agent.uri().resolve("/v1/services/" + SERVICE);
        AgentBench.awaitInstances(service, instances);
        List<LoopbackClient.Stream> open = openStreams(clients, "/v1/services/" + SERVICE + "/events", streams);
        List<LoopbackClient.Querier> queriers = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
          queriers.add(clients.querier());
        }
        System.out.printf(Locale.ROOT, "agent pid %d at %s: %d streams open, %d queries per change%n", agent.pid(),
            agent.uri(), streams, queries);
        List<Double> q50 = new ArrayList<>();
        List<Double> q99 = new ArrayList<>();
        List<Double> qMax = new ArrayList<>();
        List<Double> s50 = new ArrayList<>();
        List<Double> s99 = new ArrayList<>();
        List<Double> sMax = new ArrayList<>();
        List<Double> call = new ArrayList<>();
        List<Double> agentCpuMs = new ArrayList<>();
        Registration extra = null;
        for (int c = -warmup; c < changes; c++) {
          long index = Long.parseLong(HTTP.send(HttpRequest.newBuilder(service).build(),
              HttpResponse.BodyHandlers.discarding()).headers().firstValue("X-Roster-Index").orElseThrow());
          for (LoopbackClient.Stream s : open) {
            s.expect(index).get(30, TimeUnit.SECONDS);
          }
          List<CompletableFuture<Long>> parked = new ArrayList<>();
          String blocking = "/v1/services/" + SERVICE + "?index=" + index + "&wait=60s";
          for (LoopbackClient.Querier q : queriers) {
            parked.add(clients.query(q, blocking, index));
          }
          awaitGauge(agent, "roster_agent_blocking_queries", queries);
          awaitGauge(agent, "roster_agent_sse_streams", streams);
          List<CompletableFuture<Long>> told = new ArrayList<>();
          for (LoopbackClient.Stream s : open) {
            told.add(s.expect(index + 1));
          }
          long agentCpu = cpuMillis(agent.pid());
          long ownCpu = cpuMillis(ProcessHandle.current().pid());
          long start = System.nanoTime();
          if (extra == null) {
            extra = library.register(instance("extra-" + c, instances + 1));
          } else {
            extra.close();
            extra = null;
          }
          long changed = System.nanoTime();
          long[] queryMicros = micros(parked, start);
          long[] streamMicros = micros(told, start);
          agentCpu = cpuMillis(agent.pid()) - agentCpu;
          ownCpu = cpuMillis(ProcessHandle.current().pid()) - ownCpu;
          if (c < 0) {
            continue;
          }
          call.add((double) TimeUnit.NANOSECONDS.toMicros(changed - start));
          agentCpuMs.add((double) agentCpu);
          q50.add((double) Stats.percentile(queryMicros, 50));
          q99.add((double) Stats.percentile(queryMicros, 99));
          qMax.add((double) queryMicros[queryMicros.length - 1]);
          s50.add((double) Stats.percentile(streamMicros, 50));
          s99.add((double) Stats.percentile(streamMicros, 99));
          sMax.add((double) streamMicros[streamMicros.length - 1]);
          System.out.printf(Locale.ROOT, "%s; change %d (index %d): CPU %d ms agent, %d ms clients and ZooKeeper; change call %d µs, first client %d µs; queries p50 %d µs, p99 %d µs, max %d µs; "
                  + "streams p50 %d µs, p99 %d µs, max %d µs%n", Stats.load(), c + 1, index + 1, agentCpu, ownCpu,
              TimeUnit.NANOSECONDS.toMicros(changed - start), Math.min(queryMicros[0], streamMicros[0]),
              Stats.percentile(queryMicros, 50), Stats.percentile(queryMicros, 99), queryMicros[queryMicros.length - 1],
              Stats.percentile(streamMicros, 50), Stats.percentile(streamMicros, 99),
              streamMicros[streamMicros.length - 1]);
        }
        System.out.printf(Locale.ROOT, "%n| %d changes, medians (min–max), ms | p50 | p99 | max |%n", changes);
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| %d blocking queries | %s | %s | %s |%n", queries, ms(q50), ms(q99), ms(qMax));
        System.out.printf(Locale.ROOT, "| %d event streams | %s | %s | %s |%n", streams, ms(s50), ms(s99), ms(sMax));
        System.out.printf(Locale.ROOT, "%nthe change call itself (a ZooKeeper write%s): %s ms; agent CPU per change: %s ms%n",
            "no".equals(System.getProperty("zookeeper.forceSync")) ? ", not synced" : ", synced to disk",
            ms(call), Stats.spread(agentCpuMs, "%.0f"));
        if (extra != null) {
          extra.close();
        }
      }
      held.forEach(Registration::close);
    }
  }

  private static ServiceInstance instance(String id, int i) {
    return ServiceInstance.builder(SERVICE).id(id).address("10.0.0." + (i % 250 + 1)).port(8000 + i).zone("eu-1")
        .metadata("version", "1.4.2").build();
  }

  /** Opens {@code count} streams in batches, each batch waited for to its snapshots. */
  static List<LoopbackClient.Stream> openStreams(LoopbackClient clients, String path, int count) throws Exception {
    List<LoopbackClient.Stream> out = new ArrayList<>();
    while (out.size() < count) {
      List<CompletableFuture<Long>> batch = new ArrayList<>();
      for (int i = 0; i < 250 && out.size() < count; i++) {
        LoopbackClient.Stream s = clients.stream(path);
        out.add(s);
        batch.add(s.opened);
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    return out;
  }

  /** Each future's time less {@code start}, in µs, sorted. */
  private static long[] micros(List<CompletableFuture<Long>> futures, long start) throws Exception {
    long[] out = new long[futures.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = TimeUnit.NANOSECONDS.toMicros(futures.get(i).get(30, TimeUnit.SECONDS) - start);
    }
    java.util.Arrays.sort(out);
    return out;
  }

  private static long cpuMillis(long pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(d -> d.toMillis()).orElse(-1L);
  }

  private static void awaitGauge(AgentChild agent, String gauge, int value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (agent.gauge(gauge) != value) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(gauge + " did not reach " + value + " within 60 s: " + agent.gauge(gauge));
      }
      Thread.sleep(20); // the agent is another process: its gauge is polled, there is nothing to await on
    }
  }

  private static String ms(List<Double> micros) {
    return Stats.spread(micros.stream().map(m -> m / 1000).toList(), "%.1f");
  }
}
