package dev.roster.bench;

import dev.roster.ServiceInstance;
import dev.roster.balance.Selector;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one pick from a live Roster view, per strategy and list size. Run beside
 * {@link CuratorPickBenchmark} in one JMH invocation with {@code -prof gc} to compare ns and
 * bytes per pick.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RosterPickBenchmark {
  @Param({"10", "100", "1000", "10000"})
  int instances;

  @Param({"roundRobin", "random", "weightedRandom", "smoothWeightedRoundRobin", "powerOfTwoChoices",
      "rendezvous", "weightedRendezvous", "zoneAwareRoundRobin"})
  String strategy;

  /** Keys for the hashing strategies: a fixed cycle, so the key costs nothing to make. */
  private final long[] keys = new long[1024];
  private int next;

  private Fixture fixture;
  private Selector selector;

  /**
   * Starts an embedded server with the instances, and the client under test.
   *
   * @throws Exception if the server or the client cannot start
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    fixture = new Fixture(instances);
    selector = fixture.rosterView().selector(StrategyCatalog.byName(strategy));
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int i = 0; i < keys.length; i++) {
      keys[i] = random.nextLong();
    }
  }

  /**
   * Stops the client and the server.
   *
   * @throws Exception if they cannot be stopped
   */
  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    fixture.close();
  }

  /**
   * {@code pick()}; for the hashing strategies, {@code pick(key)} with a key from a fixed cycle.
   *
   * @return the picked instance, for JMH to consume
   */
  @Benchmark
  public ServiceInstance pick() {
    if (strategy.endsWith("endezvous")) {
      return selector.pick(keys[next++ & (keys.length - 1)]);
    }
    return selector.pick();
  }

}
