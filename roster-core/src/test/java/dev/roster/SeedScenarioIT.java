package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed scenario: a cluster of servers comes and goes; a client always knows which are
 * live. Five servers register one after another, one deregisters, one's process ends, one is
 * cut off past its session timeout and comes back by itself when the cut heals.
 */
class SeedScenarioIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private static final Duration SESSION = Duration.ofSeconds(2);
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Roster server(String connectString) {
    Roster r = Roster.builder().connectString(connectString).sessionTimeout(SESSION)
        .connectionTimeout(Duration.ofSeconds(5)).build();
    closeables.add(r);
    return r;
  }

  @Test
  void watcherAlwaysKnowsWhichServersAreLive() throws Exception {
    Roster client = server(zk.connectString());
    ServiceView view = client.watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    AtomicInteger up = new AtomicInteger();
    Recorder rec = new Recorder(up::get);
    view.addListener(rec);

    // Server 4 reaches ZooKeeper through a proxy that the test can cut.
    FaultProxy proxy = FaultProxy.start(zk.connectString());
    closeables.add(proxy);

    List<Roster> servers = new ArrayList<>();
    List<Registration> regs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Roster s = server(i == 4 ? proxy.connectString() : zk.connectString());
      servers.add(s);
      regs.add(s.register(ServiceInstance.builder("payments").id("server-" + i)
          .address("127.0.0.1").port(9000 + i).build()));
      up.incrementAndGet();
      String id = "server-" + i;
      await().atMost(Duration.ofSeconds(1)).until(() -> rec.ids().contains(id));
    }
    assertThat(view.instances()).hasSize(5);

    // Server 0 deregisters.
    up.decrementAndGet();
    regs.get(0).close();
    await().atMost(Duration.ofSeconds(1)).until(() -> !rec.ids().contains("server-0"));

    // Server 1's process ends: its Roster closes, its session ends.
    up.decrementAndGet();
    servers.get(1).close();
    await().atMost(Duration.ofSeconds(1)).until(() -> !rec.ids().contains("server-1"));

    // Server 4 is cut off past its session timeout: the server expires its session.
    ZooKeeper raw = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
    closeables.add(raw::close);
    long oldSession = Zk.stat(raw, "/services/payments/server-4").getEphemeralOwner();
    up.decrementAndGet();
    proxy.cut();
    await().atMost(SESSION.plusSeconds(3)).until(() -> !rec.ids().contains("server-4"));
    assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("server-2", "server-3");

    // The cut heals: server 4 comes back by itself, on a new session.
    up.incrementAndGet();
    proxy.heal();
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.ids().contains("server-4"));
    Stat back = Zk.stat(raw, "/services/payments/server-4");
    assertThat(back.getEphemeralOwner()).isNotEqualTo(oldSession).isEqualTo(servers.get(4).sessionId());
    assertThat(rec.ids()).isEqualTo(Set.of("server-2", "server-3", "server-4"));

    assertThat(rec.violations).as("listener saw an empty list while servers were up").isEmpty();
    assertThat(rec.changes).allSatisfy(c -> assertThat(c.instances()).isNotEmpty());
  }
}
