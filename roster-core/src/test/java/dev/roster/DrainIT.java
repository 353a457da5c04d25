package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.ServiceInstance.Status;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategies;
import dev.roster.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Draining and graceful deregistration against a real ZooKeeper, seen by a real watcher. */
class DrainIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  private Roster roster() {
    Roster r = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(2))
        .connectionTimeout(Duration.ofSeconds(5)).build();
    closeables.add(r);
    return r;
  }

  private static ServiceInstance instance(String id) {
    return ServiceInstance.builder("payments").id(id).address("127.0.0.1").port(8080).build();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  /** The index of the first change in which {@code id} was updated to DRAINING, or -1. */
  private static int drainedAt(Recorder rec, String id) {
    for (int i = 0; i < rec.changes.size(); i++) {
      if (rec.changes.get(i).updated().stream().anyMatch(x -> x.id().equals(id) && x.status() == Status.DRAINING)) {
        return i;
      }
    }
    return -1;
  }

  private static int removedAt(Recorder rec, String id) {
    for (int i = 0; i < rec.changes.size(); i++) {
      if (rec.changes.get(i).removed().stream().anyMatch(x -> x.id().equals(id))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void drainIsAnUpdateThatSelectorsSkipAndOtherReadersUnderstand() throws Exception {
    Roster server = roster();
    Registration p1 = server.register(instance("p1"));
    server.register(instance("p2"));
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    view.addListener(rec);
    Selector selector = view.selector(Strategies.roundRobin());
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().size() == 2);
    ZooKeeper raw = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
    closeables.add(raw::close);
    long czxid = Zk.stat(raw, "/services/payments/p1").getCzxid();

    p1.drain();
    assertThat(p1.instance().status()).isEqualTo(Status.DRAINING);
    await().atMost(Duration.ofSeconds(2)).until(() -> drainedAt(rec, "p1") >= 0);
    assertThat(rec.removedIds()).isEmpty();
    assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1", "p2");
    for (int i = 0; i < 100; i++) {
      assertThat(selector.pick().id()).isEqualTo("p2");
    }
    // The same node, rewritten: Spring Cloud Zookeeper reads instance_status, and a codec that
    // writes Curator's enabled flag never says true for an instance that is not UP.
    assertThat(Zk.stat(raw, "/services/payments/p1").getCzxid()).isEqualTo(czxid);
    String json = new String(raw.getData("/services/payments/p1", false, null), StandardCharsets.UTF_8);
    assertThat(json).contains("\"instance_status\":\"DRAINING\"").doesNotContain("\"enabled\":true");

    // Undone by an update back to UP.
    p1.update(p1.instance().toBuilder().status(Status.UP).build());
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().stream().allMatch(ServiceInstance::isUp));
  }

  @Test
  void closeWithGraceDrainsWaitsThenDeregisters() throws Exception {
    Roster server = roster();
    Registration p1 = server.register(instance("p1"));
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    view.addListener(rec);
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().contains("p1"));

    long start = System.nanoTime();
    p1.close(Duration.ofMillis(500));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isBetween(Duration.ofMillis(500), Duration.ofSeconds(3));
    assertThat(p1.isOpen()).isFalse();

    await().atMost(Duration.ofSeconds(2)).until(() -> removedAt(rec, "p1") >= 0);
    // The watcher saw DRAINING first (an update, not a removal), then the removal.
    assertThat(drainedAt(rec, "p1")).isNotNegative().isLessThan(removedAt(rec, "p1"));
    assertThat(rec.removedIds()).containsExactly("p1");
    assertThat(view.instances()).isEmpty();

    // Idempotent, and quick once closed.
    long again = System.nanoTime();
    p1.close(Duration.ofSeconds(5));
    assertThat(Duration.ofNanos(System.nanoTime() - again)).isLessThan(Duration.ofSeconds(1));
    assertThatThrownBy(p1::drain).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void graceMustNotBeNegativeAndAClosedRosterDoesNotWait() {
    Roster server = roster();
    Registration p1 = server.register(instance("p1"));
    assertThatThrownBy(() -> p1.close(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("grace PT-1S: must not be negative");
    assertThat(p1.isOpen()).isTrue();
    server.close();
    long start = System.nanoTime();
    p1.close(Duration.ofSeconds(10)); // nothing left to drain: the session ended, and the node with it
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    assertThat(p1.isOpen()).isFalse();
  }
}
