package dev.roster.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.testing.ZooKeeperExtension;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole path: real gRPC servers registered in Roster, a client channel for
 * {@code roster:///echo} resolved by the provider that ServiceLoader found, round robin over
 * whatever is registered at the moment.
 */
class RoundRobinIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private final List<Server> servers = new ArrayList<>();
  private Roster roster;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() {
    // The ServiceLoader-made provider reads this when the channel resolves.
    System.setProperty(RosterNameResolverProvider.CONNECT_STRING_PROPERTY, zk.connectString());
    roster = Roster.builder().connectString(zk.connectString()).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    roster.close();
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.clearProperty(RosterNameResolverProvider.CONNECT_STRING_PROPERTY);
  }

  private Registration serve(String name) throws Exception {
    Server server = Echo.start(name);
    servers.add(server);
    return roster.register(ServiceInstance.builder("echo").id(name).address("127.0.0.1").port(server.getPort())
        .build());
  }

  /** Who answered each of {@code n} calls in a row. */
  private Map<String, Long> calls(int n) {
    return IntStream.range(0, n).mapToObj(i -> Echo.who(channel))
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  @Test
  void callsSpreadOverWhatIsRegisteredAndFollowChanges() throws Exception {
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("roster"))
        .as("found through META-INF/services").isInstanceOf(RosterNameResolverProvider.class);
    serve("echo-1");
    Registration second = serve("echo-2");
    serve("echo-3");

    channel = Grpc.newChannelBuilder("roster:///echo", InsecureChannelCredentials.create())
        .defaultLoadBalancingPolicy("round_robin").build();
    assertThat(channel.authority()).isEqualTo("echo");

    // Subchannels connect one by one; once all three are ready, round robin is exact.
    await().atMost(Duration.ofSeconds(10)).until(() -> calls(3).size() == 3);
    assertThat(calls(30)).containsOnly(Map.entry("echo-1", 10L), Map.entry("echo-2", 10L), Map.entry("echo-3", 10L));

    // Deregistered: it stops receiving calls, though its server still runs.
    second.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> !calls(6).containsKey("echo-2"));
    assertThat(calls(30)).containsOnly(Map.entry("echo-1", 15L), Map.entry("echo-3", 15L));

    // Registered: it starts receiving them.
    serve("echo-4");
    await().atMost(Duration.ofSeconds(5)).until(() -> calls(3).size() == 3);
    assertThat(calls(30)).containsOnly(Map.entry("echo-1", 10L), Map.entry("echo-3", 10L), Map.entry("echo-4", 10L));
  }
}
