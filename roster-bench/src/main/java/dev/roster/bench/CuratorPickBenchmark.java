package dev.roster.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ProviderStrategy;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceProvider;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.curator.x.discovery.strategies.RandomStrategy;
import org.apache.curator.x.discovery.strategies.RoundRobinStrategy;
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
 * The cost of one {@code ServiceProvider.getInstance()} in Curator x-discovery 5.9.0, over
 * the same instances on the same kind of embedded server as {@link RosterPickBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class CuratorPickBenchmark {
  @Param({"10", "100", "1000", "10000"})
  int instances;

  @Param({"roundRobin", "random"})
  String strategy;

  private Fixture fixture;
  private ServiceProvider<Map> provider;

  /**
   * Starts an embedded server with the instances, and the client under test.
   *
   * @throws Exception if the server or the client cannot start
   */
  @Setup(Level.Trial)
  @SuppressWarnings({"rawtypes", "unchecked"})
  public void setUp() throws Exception {
    fixture = new Fixture(instances);
    CuratorFramework curator = CuratorFrameworkFactory.newClient(fixture.server.connectString(),
        30_000, 15_000, new ExponentialBackoffRetry(100, 3));
    curator.start();
    curator.blockUntilConnected(15, TimeUnit.SECONDS);
    ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(curator)
        .basePath("/services").serializer(new JsonInstanceSerializer<>(Map.class)).build();
    discovery.start();
    ProviderStrategy<Map> providerStrategy = strategy.equals("roundRobin")
        ? new RoundRobinStrategy<>() : new RandomStrategy<>();
    provider = discovery.serviceProviderBuilder().serviceName(Fixture.SERVICE)
        .providerStrategy(providerStrategy).build();
    provider.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (provider.getAllInstances().size() != instances) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Curator sees " + provider.getAllInstances().size()
            + " instances, expected " + instances);
      }
      Thread.sleep(10); // setup only, outside any measurement
    }
    fixture.closeLater(curator);
    fixture.closeLater(discovery);
    fixture.closeLater(provider);
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
   * One {@code getInstance()}.
   *
   * @return the picked instance, for JMH to consume
   * @throws Exception as Curator's {@code getInstance()} declares
   */
  @Benchmark
  public ServiceInstance<Map> pick() throws Exception {
    return provider.getInstance();
  }
}
