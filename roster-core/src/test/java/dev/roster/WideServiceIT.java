package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A service whose listing is larger than the client's {@code jute.maxbuffer}: the view says
 * so and stays stale instead of dropping its connection on every reconnect. The limit is
 * lowered for the watching client only (the property is read when a ZooKeeper client is
 * made), so that a few hundred ids are enough.
 */
class WideServiceIT {
  private static final int CLIENT_LIMIT = 16_384;
  private static final int INSTANCES = 600; // 600 ids of 36 characters: about 24,000 bytes of names

  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(100));

  @Test
  void aListingTooLargeForTheClientFailsClearlyAndStopsReconnectingUntilTheServiceShrinks() throws Exception {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build();
        FaultProxy proxy = FaultProxy.start(zk.connectString())) {
      List<Registration> registrations = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        registrations.add(servers.register(ServiceInstance.builder("wide")
            .id(String.format("%036d", i)).address("h").port(1).build()));
      }
      AtomicInteger losses = new AtomicInteger();
      RosterEventListener events = new RosterEventListener() {
        @Override
        public void connectionStateChanged(ConnectionState state) {
          if (state == ConnectionState.SUSPENDED) {
            losses.incrementAndGet();
          }
        }
      };
      String before = System.getProperty("jute.maxbuffer");
      System.setProperty("jute.maxbuffer", Integer.toString(CLIENT_LIMIT));
      Roster client;
      try {
        client = Roster.builder().connectString(proxy.connectString()).eventListener(events).build();
      } finally {
        if (before == null) {
          System.clearProperty("jute.maxbuffer");
        } else {
          System.setProperty("jute.maxbuffer", before);
        }
      }
      try (client) {
        ServiceView view = client.watch("wide");
        Throwable failure = catchThrowable(() -> view.whenReady().get(30, TimeUnit.SECONDS));
        assertThat(failure).isInstanceOf(ExecutionException.class);
        assertThat(failure.getCause()).isInstanceOf(RosterException.class)
            .hasMessageContaining("wide").hasMessageContaining("600").hasMessageContaining("16,384")
            .hasMessageContaining("jute.maxbuffer");
        assertThat(view.isStale()).isTrue();
        assertThat(view.instances()).isEmpty();

        // No reconnect loop: the connection stays up, and the Roster keeps working.
        await().atMost(Duration.ofSeconds(5)).until(client::isConnected);
        int lossesAtFailure = losses.get();
        assertThat(lossesAtFailure).isBetween(1, 5);
        client.register(ServiceInstance.builder("other").id("o1").address("h").port(2).build());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < until) {
          assertThat(losses.get()).isEqualTo(lossesAtFailure);
          Thread.sleep(100);
        }

        // Once the service holds fewer nodes, the next reconnect reads it.
        for (Registration r : registrations.subList(0, 300)) {
          r.close();
        }
        proxy.cut();
        await().atMost(Duration.ofSeconds(5)).until(() -> !client.isConnected());
        proxy.heal();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          assertThat(view.isStale()).isFalse();
          assertThat(view.instances()).hasSize(INSTANCES - 300);
        });
      }
    }
  }
}
