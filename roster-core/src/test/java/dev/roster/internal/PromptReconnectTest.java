package dev.roster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.apache.zookeeper.client.StaticHostProvider;
import org.junit.jupiter.api.Test;

/**
 * The host provider keeps ZooKeeper's spin delay until the first connection (it is all that
 * stops a client whose servers are down from spinning then) and drops it afterwards, when
 * ZooKeeper's own random wait before each attempt already paces reconnects.
 */
class PromptReconnectTest {
  private static PromptReconnect.Hosts oneHost() {
    return new PromptReconnect.Hosts(new StaticHostProvider(List.of(InetSocketAddress.createUnresolved("127.0.0.1", 2181))));
  }

  @Test
  void beforeTheFirstConnectionAFullRoundStillWaitsTheSpinDelay() {
    PromptReconnect.Hosts hosts = oneHost();
    hosts.next(300); // the first attempt never waits
    long start = System.nanoTime();
    hosts.next(300);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void onceConnectedAFullRoundDoesNotWait() {
    PromptReconnect.Hosts hosts = oneHost();
    InetSocketAddress first = hosts.next(5_000);
    hosts.onConnected();
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      assertThat(hosts.next(5_000).getPort()).isEqualTo(first.getPort());
    }
    // Three rounds with the spin would take 15 s; without it they take microseconds.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(hosts.size()).isEqualTo(1);
  }
}
