package dev.roster.bench;

import dev.roster.balance.Lease;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategies;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Power of two choices as it is meant to be used: acquire a lease on the less loaded of two
 * instances, then release it. The lease is the one allocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RosterLeaseBenchmark {
  @Param({"10", "100", "1000", "10000"})
  int instances;

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
    selector = fixture.rosterView().selector(Strategies.powerOfTwoChoices());
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
   * One {@code acquire()} and the lease's {@code close()}.
   *
   * @param bh consumes the picked instance, so the pick is not optimised away
   */
  @Benchmark
  public void acquireAndRelease(Blackhole bh) {
    Lease lease = selector.acquire();
    bh.consume(lease.instance());
    lease.close();
  }
}
