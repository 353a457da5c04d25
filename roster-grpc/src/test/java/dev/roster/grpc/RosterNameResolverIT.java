package dev.roster.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.Status;
import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status.Code;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The resolver on its own, driven as a channel drives it, against a real ZooKeeper. */
class RosterNameResolverIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
  private final SynchronizationContext sync = new SynchronizationContext((t, e) -> uncaught.add(e));
  private final ExecutorService offload = Executors.newCachedThreadPool();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    offload.shutdownNow();
    assertThat(uncaught).as("exceptions thrown on the synchronization context").isEmpty();
  }

  /** Records what the resolver tells the channel. */
  static final class Recording extends NameResolver.Listener2 {
    final List<List<EquivalentAddressGroup>> results = new CopyOnWriteArrayList<>();
    final List<io.grpc.Status> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onResult(NameResolver.ResolutionResult result) {
      results.add(result.getAddressesOrError().getValue());
    }

    @Override
    public io.grpc.Status onResult2(NameResolver.ResolutionResult result) {
      onResult(result);
      return io.grpc.Status.OK;
    }

    @Override
    public void onError(io.grpc.Status error) {
      errors.add(error);
    }

    List<EquivalentAddressGroup> last() {
      return results.isEmpty() ? List.of() : results.get(results.size() - 1);
    }

    List<Integer> lastPorts() {
      return ports(last());
    }
  }

  private static List<Integer> ports(List<EquivalentAddressGroup> addresses) {
    return addresses.stream().map(g -> ((InetSocketAddress) g.getAddresses().get(0)).getPort()).sorted()
        .collect(Collectors.toList());
  }

  private NameResolver.Args args() {
    return NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setProxyDetector(address -> null)
        .setSynchronizationContext(sync)
        .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
          @Override
          public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> config) {
            return NameResolver.ConfigOrError.fromConfig(config);
          }
        })
        .setOffloadExecutor(offload)
        .build();
  }

  private Recording start(RosterNameResolverProvider provider, String target) {
    NameResolver resolver = provider.newNameResolver(URI.create(target), args());
    Recording listener = new Recording();
    sync.execute(() -> resolver.start(listener));
    closeables.add(() -> sync.execute(resolver::shutdown));
    return listener;
  }

  private Roster roster() {
    Roster r = Roster.builder().connectString(zk.connectString()).build();
    closeables.add(r);
    return r;
  }

  @Test
  void addressesCarryZoneWeightAndInstanceAndOnlyUpInstancesAreListed() {
    Roster servers = roster();
    ServiceInstance a = servers.register(ServiceInstance.builder("pay").id("a").address("127.0.0.1").port(7001)
        .zone("eu-west-1a").weight(30).build()).instance();
    Registration b = servers.register(ServiceInstance.builder("pay").id("b").address("127.0.0.1").port(7002)
        .status(Status.DRAINING).build());
    RosterNameResolverProvider provider = RosterNameResolverProvider.builder().connectString(zk.connectString())
        .build();
    Recording listener = start(provider, "roster:///pay");

    await().atMost(Duration.ofSeconds(5)).until(() -> listener.lastPorts().equals(List.of(7001)));
    EquivalentAddressGroup group = listener.last().get(0);
    assertThat(group.getAddresses()).containsExactly(new InetSocketAddress("127.0.0.1", 7001));
    assertThat(group.getAttributes().get(RosterNameResolverProvider.ZONE)).isEqualTo("eu-west-1a");
    assertThat(group.getAttributes().get(RosterNameResolverProvider.WEIGHT)).isEqualTo(30);
    assertThat(group.getAttributes().get(RosterNameResolverProvider.INSTANCE)).isEqualTo(a);

    // b comes up: pushed without anyone asking.
    b.update(b.instance().toBuilder().status(Status.UP).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.lastPorts().equals(List.of(7001, 7002)));
    EquivalentAddressGroup second = listener.last().stream()
        .filter(g -> ((InetSocketAddress) g.getAddresses().get(0)).getPort() == 7002).findFirst().orElseThrow();
    assertThat(second.getAttributes().get(RosterNameResolverProvider.ZONE)).isNull();
    assertThat(second.getAttributes().get(RosterNameResolverProvider.WEIGHT)).isEqualTo(100);
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void aServiceWithNoInstanceIsReportedAsAnErrorThenResolvesWhenOneComes() {
    Recording listener = start(RosterNameResolverProvider.forRoster(roster()), "roster:///nobody");
    await().atMost(Duration.ofSeconds(5)).until(() -> !listener.errors.isEmpty());
    assertThat(listener.errors.get(0).getCode()).isEqualTo(Code.UNAVAILABLE);
    assertThat(listener.errors.get(0).getDescription()).isEqualTo("no UP instance of service 'nobody' in ZooKeeper");
    roster().register(ServiceInstance.builder("nobody").id("n").address("127.0.0.1").port(7010).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.lastPorts().equals(List.of(7010)));
  }

  @Test
  void anUnreachableZooKeeperIsReportedThroughTheListenerAndRetriedOnRefresh() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    RosterNameResolverProvider provider = RosterNameResolverProvider.builder().connectString(zk.connectString())
        .connectionTimeout(Duration.ofMillis(300)).build();
    NameResolver resolver = provider.newNameResolver(URI.create("roster://127.0.0.1:" + deadPort + "/pay"), args());
    Recording listener = new Recording();
    sync.execute(() -> resolver.start(listener)); // returns at once; nothing thrown
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.errors.size() == 1);
    assertThat(listener.errors.get(0).getCode()).isEqualTo(Code.UNAVAILABLE);
    assertThat(listener.errors.get(0).getDescription()).contains("127.0.0.1:" + deadPort);
    sync.execute(resolver::refresh);
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.errors.size() == 2);
    sync.execute(resolver::shutdown);
    assertThat(listener.results).isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> provider.sharedRosters() == 0);
  }

  @Test
  void whileZooKeeperIsUnreachableTheLastListIsKeptThenItConverges() throws Exception {
    Roster servers = roster();
    servers.register(ServiceInstance.builder("pay").id("a").address("127.0.0.1").port(7001).build());
    Registration b = servers.register(ServiceInstance.builder("pay").id("b").address("127.0.0.1").port(7002).build());
    FaultProxy proxy = FaultProxy.start(zk.connectString());
    closeables.add(proxy);
    NameResolver resolver = RosterNameResolverProvider.builder().connectString(proxy.connectString()).build()
        .newNameResolver(URI.create("roster:///pay"), args());
    Recording listener = new Recording();
    sync.execute(() -> resolver.start(listener));
    closeables.add(() -> sync.execute(resolver::shutdown));
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.lastPorts().equals(List.of(7001, 7002)));

    proxy.cut();
    b.close(); // happens while the resolver cannot see it
    int resultsBefore = listener.results.size();
    // Proving absence: for a while, no list without b reaches the channel, and no error.
    // (A repeat of the last list may, if the initial read and the listener's first delivery
    // both published; a repeat changes nothing for the channel.)
    Thread.sleep(1000);
    assertThat(listener.results.subList(resultsBefore, listener.results.size())).allSatisfy(addresses ->
        assertThat(ports(addresses)).containsExactly(7001, 7002));
    assertThat(listener.errors).isEmpty();
    // Asked to re-resolve while cut off, it hands over the last known list again.
    sync.execute(resolver::refresh);
    await().atMost(Duration.ofSeconds(2)).until(() -> listener.results.size() > resultsBefore);
    assertThat(listener.lastPorts()).containsExactly(7001, 7002);

    proxy.heal();
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.lastPorts().equals(List.of(7001)));
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void providerRostersAreSharedPerEnsembleAndClosedWithTheLastResolver() {
    RosterNameResolverProvider provider = RosterNameResolverProvider.builder().connectString(zk.connectString())
        .build();
    roster().register(ServiceInstance.builder("pay").id("a").address("127.0.0.1").port(7001).build());
    NameResolver first = provider.newNameResolver(URI.create("roster:///pay"), args());
    NameResolver second = provider.newNameResolver(URI.create("roster:///other"), args());
    Recording l1 = new Recording();
    Recording l2 = new Recording();
    sync.execute(() -> first.start(l1));
    sync.execute(() -> second.start(l2));
    await().atMost(Duration.ofSeconds(5)).until(() -> !l1.results.isEmpty() && !l2.errors.isEmpty());
    assertThat(provider.sharedRosters()).isEqualTo(1);
    sync.execute(first::shutdown);
    // The other resolver's Roster is still the shared one, and still live.
    roster().register(ServiceInstance.builder("other").id("o").address("127.0.0.1").port(7020).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> l2.lastPorts().equals(List.of(7020)));
    assertThat(provider.sharedRosters()).isEqualTo(1);
    sync.execute(second::shutdown);
    // Released off the synchronization context: the last one closes the shared Roster.
    await().atMost(Duration.ofSeconds(5)).until(() -> provider.sharedRosters() == 0);
  }

  @Test
  void aProviderForARosterUsesItAndRefusesAnotherBasePath() {
    Roster mine = roster();
    RosterNameResolverProvider provider = RosterNameResolverProvider.forRoster(mine);
    mine.register(ServiceInstance.builder("pay").id("a").address("127.0.0.1").port(7001).build());
    Recording listener = start(provider, "roster:///services/pay");
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.lastPorts().equals(List.of(7001)));
    assertThat(provider.sharedRosters()).isZero();
    assertThatThrownBy(() -> provider.newNameResolver(URI.create("roster:///elsewhere/pay"), args()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target 'roster:///elsewhere/pay' names base path '/elsewhere' but this provider's Roster"
            + " uses '/services'");
    // Another scheme is not ours.
    assertThat(provider.newNameResolver(URI.create("dns:///pay"), args())).isNull();
  }
}
