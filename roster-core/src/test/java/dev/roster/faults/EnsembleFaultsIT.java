package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.ServiceChange;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.embedded.LocalEnsemble;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Server-side faults on a real 3-node ensemble of child processes: a follower killed, the
 * leader killed, quorum lost, the whole ensemble restarted. Each test ends with the
 * convergence check: every view equals ZooKeeper's truth, and every registration of a live
 * owner exists once, owned by its current session.
 */
class EnsembleFaultsIT {
  private static final Duration SESSION = Duration.ofSeconds(4);
  private static final String SERVICE = "payments";
  private static LocalEnsemble ensemble;

  private final List<Roster> rosters = new ArrayList<>();
  private final Map<Registration, Roster> registrations = new LinkedHashMap<>();
  private final List<ServiceView> views = new ArrayList<>();
  private final List<Watcher> watchers = new ArrayList<>();
  /** Sessions started after the first one, per Roster: each is an expiry. */
  private final AtomicInteger newSessions = new AtomicInteger();

  /** A view plus everything its listener was told. */
  record Watcher(ServiceView view, List<ServiceChange> changes) {
    int removals() {
      return changes.stream().mapToInt(c -> c.removed().size()).sum();
    }

    boolean everEmpty() {
      return changes.stream().anyMatch(c -> c.instances().isEmpty());
    }
  }

  @BeforeAll
  static void startEnsemble() {
    ensemble = LocalEnsemble.builder().size(3).tickTime(Duration.ofMillis(200)).start();
  }

  @AfterAll
  static void stopEnsemble() {
    if (ensemble != null) {
      ensemble.close();
    }
  }

  @BeforeEach
  void registerAndWatch() throws Exception {
    for (int i = 0; i < 4; i++) {
      Roster r = roster();
      registrations.put(r.register(ServiceInstance.builder(SERVICE).id("server-" + i)
          .address("127.0.0.1").port(9000 + i).build()), r);
    }
    for (int i = 0; i < 2; i++) {
      ServiceView view = roster().watch(SERVICE);
      view.whenReady().get(10, TimeUnit.SECONDS);
      List<ServiceChange> changes = new CopyOnWriteArrayList<>();
      view.addListener(changes::add);
      views.add(view);
      watchers.add(new Watcher(view, changes));
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      for (ServiceView v : views) {
        assertThat(v.instances()).hasSize(4);
      }
    });
  }

  @AfterEach
  void closeAndHeal() {
    for (Roster r : rosters) {
      r.close();
    }
    for (LocalEnsemble.Member m : ensemble.members()) {
      if (m.isFrozen()) {
        m.thaw();
      }
      if (!m.isRunning()) {
        m.start();
      }
    }
    ensemble.awaitQuorum(Duration.ofSeconds(30));
    // A Roster closed while its connection was in flux leaves its nodes to the server's own
    // expiry of the session; the next test starts from an empty service.
    await().atMost(SESSION.plusSeconds(10)).until(() -> Truth.read(ensemble.connectString(), SERVICE).isEmpty());
  }

  private Roster roster() {
    Roster r = Roster.builder().connectString(ensemble.connectString()).sessionTimeout(SESSION)
        .connectionTimeout(Duration.ofSeconds(10)).operationTimeout(Duration.ofSeconds(15))
        .eventListener(new RosterEventListener() {
          @Override
          public void sessionStarted(long previousSessionId, long sessionId) {
            if (previousSessionId != 0) {
              newSessions.incrementAndGet();
            }
          }
        }).build();
    rosters.add(r);
    return r;
  }

  private void assertConverged() throws Exception {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        Truth.assertConverged(ensemble.connectString(), SERVICE, views, registrations));
  }

  @Test
  void followerKilledNoSessionExpiresAndNoInstanceDisappears() throws Exception {
    LocalEnsemble.Member follower = ensemble.followers().get(0);
    follower.kill();
    // Clients of the dead follower move to the others; every Roster can write again.
    int i = 0;
    for (Map.Entry<Registration, Roster> e : registrations.entrySet()) {
      Registration reg = e.getKey();
      reg.update(reg.instance().toBuilder().metadata("round", "1").build());
      i++;
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      for (ServiceView v : views) {
        assertThat(v.instances()).allSatisfy(inst -> assertThat(inst.metadata()).containsEntry("round", "1"));
      }
    });
    assertThat(i).isEqualTo(4);
    assertThat(newSessions).as("sessions that expired").hasValue(0);
    for (Watcher w : watchers) {
      assertThat(w.removals()).as("instances seen to disappear").isZero();
    }
    follower.start();
    ensemble.awaitQuorum(Duration.ofSeconds(30));
    assertConverged();
  }

  @Test
  void leaderKilledWritesResumeAndNoInstanceDisappears() throws Exception {
    Roster writer = roster();
    List<Long> millis = new ArrayList<>();
    for (int run = 0; run < 5; run++) {
      LocalEnsemble.Member leader = ensemble.leader();
      long start = System.nanoTime();
      leader.kill();
      // The first write that succeeds after the kill: register() blocks until it is done.
      Registration reg = writer.register(ServiceInstance.builder(SERVICE).id("write-" + run)
          .address("127.0.0.1").port(8000 + run).build());
      millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      registrations.put(reg, writer);
      leader.start();
      ensemble.awaitQuorum(Duration.ofSeconds(30));
    }
    List<Long> sorted = new ArrayList<>(millis);
    sorted.sort(null);
    System.out.printf("leader killed: time to first successful write over 5 runs %s ms, median %d ms%n",
        millis, sorted.get(2));
    for (Watcher w : watchers) {
      assertThat(w.removals()).as("instances seen to disappear").isZero();
    }
    assertConverged();
  }

  @Test
  void quorumLostForTwiceTheSessionTimeoutThenRestored() throws Exception {
    List<LocalEnsemble.Member> killed = new ArrayList<>(ensemble.followers().subList(0, 1));
    killed.add(ensemble.leader());
    for (LocalEnsemble.Member m : killed) {
      m.kill();
    }
    long until = System.nanoTime() + SESSION.multipliedBy(2).toNanos();
    await().atMost(Duration.ofSeconds(10)).until(() -> views.stream().allMatch(ServiceView::isStale));
    while (System.nanoTime() < until) {
      for (ServiceView v : views) {
        assertThat(v.instances()).as("served while quorum is lost").hasSize(4);
        assertThat(v.isStale()).isTrue();
      }
      Thread.sleep(100); // sampling the views throughout the outage
    }
    for (LocalEnsemble.Member m : killed) {
      m.start();
    }
    ensemble.awaitQuorum(Duration.ofSeconds(30));
    long restored = System.nanoTime();
    await().atMost(SESSION.plusSeconds(2)).untilAsserted(() -> {
      Map<String, Truth.Node> truth = Truth.read(ensemble.connectString(), SERVICE);
      for (Map.Entry<Registration, Roster> e : registrations.entrySet()) {
        assertThat(truth).containsKey(e.getKey().instance().id());
        assertThat(truth.get(e.getKey().instance().id()).owner()).isEqualTo(e.getValue().sessionId());
      }
    });
    System.out.printf("quorum restored: every registration back after %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restored));
    for (Watcher w : watchers) {
      assertThat(w.everEmpty()).as("a listener received an empty list").isFalse();
    }
    assertConverged();
  }

  @Test
  void wholeEnsembleKilledAndRestarted() throws Exception {
    for (LocalEnsemble.Member m : ensemble.members()) {
      m.kill();
    }
    for (LocalEnsemble.Member m : ensemble.members()) {
      m.start();
    }
    ensemble.awaitQuorum(Duration.ofSeconds(30));
    assertConverged();
    Map<String, Truth.Node> truth = Truth.read(ensemble.connectString(), SERVICE);
    assertThat(truth).as("no duplicates, no strays").hasSize(4);
    for (Watcher w : watchers) {
      assertThat(w.everEmpty()).as("a listener received an empty list").isFalse();
    }
  }
}
