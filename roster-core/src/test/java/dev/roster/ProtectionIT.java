package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users of Eureka, Nacos and Dubbo rely on when the registry itself is in trouble:
 * empty and mass-drop protection, and a local snapshot to start from.
 */
class ProtectionIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private static ServiceInstance instance(String id, int port) {
    return ServiceInstance.builder("payments").id(id).address("127.0.0.1").port(port).build();
  }

  /** Records the protection events of one Roster. */
  static final class Events implements RosterEventListener {
    final List<String> log = new CopyOnWriteArrayList<>();

    @Override
    public void massRemovalHeld(String service, int removing, int holding) {
      log.add("held " + removing + "/" + holding);
    }

    @Override
    public void massRemovalConfirmed(String service, int removed) {
      log.add("confirmed " + removed);
    }
  }

  @Test
  void aResyncThatWouldEmptyTheViewIsHeldThenConfirmed() throws Exception {
    Events events = new Events();
    try (FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster client = Roster.builder().connectString(proxy.connectString()).sessionTimeout(Duration.ofSeconds(2))
            .massRemovalConfirmation(Duration.ofSeconds(3)).eventListener(events).build()) {
      Roster servers = Roster.builder().connectString(zk.connectString()).build();
      servers.register(instance("p1", 1));
      servers.register(instance("p2", 2));
      ServiceView view = client.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      Recorder rec = new Recorder();
      view.addListener(rec);
      await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().size() == 2);

      proxy.cut();
      await().atMost(Duration.ofSeconds(3)).until(view::isStale);
      servers.close(); // a real scale-to-zero, while the watcher cannot see it
      proxy.heal();

      await().atMost(Duration.ofSeconds(5)).until(() -> events.log.contains("held 2/2"));
      // Held: still the last list, still stale.
      assertThat(view.instances()).hasSize(2);
      assertThat(view.isStale()).isTrue();
      // Confirmed a moment later: the real scale-to-zero propagates.
      await().atMost(Duration.ofSeconds(8)).until(() -> view.instances().isEmpty() && !view.isStale());
      assertThat(events.log).containsSubsequence("held 2/2", "confirmed 2");
      assertThat(rec.removedIds()).containsExactlyInAnyOrder("p1", "p2");
    }
  }

  @Test
  void instancesThatComeBackWhileHeldAreNeverRemoved() throws Exception {
    Events events = new Events();
    try (FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster client = Roster.builder().connectString(proxy.connectString()).sessionTimeout(Duration.ofSeconds(2))
            .massRemovalConfirmation(Duration.ofSeconds(2)).eventListener(events).build()) {
      Roster first = Roster.builder().connectString(zk.connectString()).build();
      first.register(instance("p1", 1));
      first.register(instance("p2", 2));
      first.register(instance("p3", 3));
      // Connected before the cut, so that the hold has only the registrations to wait for.
      Roster second = Roster.builder().connectString(zk.connectString()).build();
      ServiceView view = client.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      Recorder rec = new Recorder(() -> 1);
      view.addListener(rec);
      await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().size() == 3);

      proxy.cut();
      await().atMost(Duration.ofSeconds(3)).until(view::isStale);
      first.close(); // the registrants are restarting...
      proxy.heal();
      await().atMost(Duration.ofSeconds(5)).until(() -> events.log.contains("held 3/3"));
      try (second) {
        second.register(instance("p1", 11)); // ...and come back, on new ports, before the hold ends
        second.register(instance("p2", 12));
        second.register(instance("p3", 13));
        await().atMost(Duration.ofSeconds(6)).until(() -> events.log.contains("confirmed 0") && !view.isStale());
        assertThat(view.instances()).extracting(ServiceInstance::port).containsExactly(11, 12, 13);
        assertThat(rec.removedIds()).as("removals published").isEmpty();
        assertThat(rec.violations).isEmpty();
      }
    }
  }

  @Test
  void aClientStartingWhileZooKeeperIsDownServesItsLocalSnapshot(@TempDir Path dir) throws Exception {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build()) {
      servers.register(instance("p1", 1));
      servers.register(instance("p2", 2));
      try (Roster client = Roster.builder().connectString(zk.connectString()).snapshotDirectory(dir).build()) {
        ServiceView view = client.watch("payments");
        view.whenReady().get(5, TimeUnit.SECONDS);
        assertThat(view.lastZxid()).isPositive();
        await().atMost(Duration.ofSeconds(3)).until(() -> snapshotFiles(dir).size() == 1);
      }
      zk.server().stop();
      long start = System.nanoTime();
      try (Roster client = Roster.builder().connectString(zk.connectString()).snapshotDirectory(dir)
          .connectionTimeout(Duration.ofSeconds(1)).failFast(false).build()) {
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(client.isConnected()).isFalse();
        ServiceView view = client.watch("payments");
        view.whenReady().get(5, TimeUnit.SECONDS);
        assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1", "p2");
        assertThat(view.isStale()).isTrue();
        assertThat(view.lastZxid()).isZero();

        zk.server().restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> !view.isStale());
        assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1", "p2");
        assertThat(view.lastZxid()).isPositive();
      }
    }
  }

  @Test
  void aCorruptOrForeignSnapshotIsIgnored(@TempDir Path dir) throws Exception {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build()) {
      servers.register(instance("p1", 1));
      try (Roster client = Roster.builder().connectString(zk.connectString()).snapshotDirectory(dir).build()) {
        client.watch("payments").whenReady().get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(3)).until(() -> snapshotFiles(dir).size() == 1);
      }
      Path file = snapshotFiles(dir).get(0);
      zk.server().stop();
      for (String content : List.of("{\"format\":\"roster-view-snap", "{\"format\":\"something-else\"}",
          "{\"format\":\"roster-view-snapshot\",\"version\":1,\"basePath\":\"/other\",\"service\":\"payments\",\"nodes\":{}}")) {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        try (Roster client = Roster.builder().connectString(zk.connectString()).snapshotDirectory(dir)
            .connectionTimeout(Duration.ofMillis(500)).failFast(false).build()) {
          ServiceView view = client.watch("payments");
          // Nothing to serve: the view waits for ZooKeeper instead of serving garbage.
          Thread.sleep(300); // proving absence: give a wrong load the time to happen
          assertThat(view.whenReady()).isNotDone();
          assertThat(view.instances()).isEmpty();
        }
      }
    }
  }

  /**
   * The snapshot files under a directory. The writer's temporary files vanish when they are
   * renamed, and a walk that meets one vanishing fails; such a walk is simply done again.
   */
  private static List<Path> snapshotFiles(Path dir) throws java.io.IOException {
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> files = Files.walk(dir)) {
        return files.filter(p -> p.toString().endsWith(".json")).toList();
      } catch (java.io.UncheckedIOException e) {
        if (!(e.getCause() instanceof java.nio.file.NoSuchFileException) || attempt == 10) {
          throw e;
        }
      }
    }
  }
}
