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
import dev.roster.testing.FaultProxy;
import dev.roster.testing.ProxiedEnsemble;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults between one client and the ensemble, injected through a fault proxy in front of
 * every member that only that client uses; and a member frozen with SIGSTOP.
 */
class ClientFaultsIT {
  private static final Duration TICK = Duration.ofMillis(200);
  private static final Duration SESSION = Duration.ofSeconds(3);
  private static final String SERVICE = "orders";
  private static LocalEnsemble ensemble;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startEnsemble() {
    ensemble = LocalEnsemble.builder().size(3).tickTime(TICK).start();
  }

  @AfterAll
  static void stopEnsemble() {
    if (ensemble != null) {
      ensemble.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    for (LocalEnsemble.Member m : ensemble.members()) {
      if (m.isFrozen()) {
        m.thaw();
      }
    }
    ensemble.awaitQuorum(Duration.ofSeconds(30));
    // Leave no instance behind for the next test.
    await().atMost(Duration.ofSeconds(10)).until(() -> Truth.read(ensemble.connectString(), SERVICE).isEmpty());
  }

  private Roster roster(String connectString, RosterEventListener events) {
    return roster(connectString, events, SESSION);
  }

  private Roster roster(String connectString, RosterEventListener events, Duration session) {
    Roster r = Roster.builder().connectString(connectString).sessionTimeout(session)
        .connectionTimeout(Duration.ofSeconds(10)).eventListener(events).build();
    closeables.add(r);
    return r;
  }

  private ProxiedEnsemble proxies() {
    ProxiedEnsemble p = ProxiedEnsemble.start(ensemble);
    closeables.add(p);
    return p;
  }

  private static void cut(ProxiedEnsemble p) {
    for (int i = 0; i < ensemble.size(); i++) {
      p.proxy(i).cut();
    }
  }

  private static void heal(ProxiedEnsemble p) {
    for (int i = 0; i < ensemble.size(); i++) {
      p.proxy(i).heal();
    }
  }

  /** A watcher on the real ensemble, recording every change. */
  private ServiceView watch(List<ServiceChange> changes) throws Exception {
    ServiceView view = roster(ensemble.connectString(), RosterEventListener.NONE).watch(SERVICE);
    view.whenReady().get(10, TimeUnit.SECONDS);
    view.addListener(changes::add);
    return view;
  }

  private static Set<String> ids(ServiceView view) {
    return view.instances().stream().map(ServiceInstance::id).collect(Collectors.toSet());
  }

  @Test
  void clientCutForHalfItsSessionKeepsItsNode() throws Exception {
    ProxiedEnsemble p = proxies();
    Roster client = roster(p.connectString(), RosterEventListener.NONE);
    Registration reg = client.register(ServiceInstance.builder(SERVICE).id("o1").address("h").port(1).build());
    ServiceView ownView = client.watch(SERVICE);
    ownView.whenReady().get(10, TimeUnit.SECONDS);
    List<ServiceChange> seen = new CopyOnWriteArrayList<>();
    ServiceView other = watch(seen);
    long session = client.sessionId();
    Roster peer = roster(ensemble.connectString(), RosterEventListener.NONE);

    // Half the session counts from the client's last word to the server: a round trip right
    // before the cut, so that the idle time since its last ping does not add to the cut.
    client.services();
    cut(p);
    long cutAt = System.nanoTime();
    await().atMost(SESSION).until(ownView::isStale);
    Registration o2 = peer.register(ServiceInstance.builder(SERVICE).id("o2").address("h").port(2).build());
    long until = cutAt + SESSION.dividedBy(2).toNanos();
    while (System.nanoTime() < until) {
      assertThat(Truth.read(ensemble.connectString(), SERVICE)).containsKey("o1");
      Thread.sleep(200); // sampling throughout the cut
    }
    heal(p);
    long healed = System.nanoTime();
    // The target is 1 s. ZooKeeper's client waits a random 0-1 s before every attempt (Roster's
    // host provider drops the extra second it adds after failing on every server), so the next
    // attempt starts at most 1 s after healing; the bound adds half a second for the reconnect
    // and the re-read on a loaded machine. The time taken is printed.
    await().atMost(Duration.ofMillis(1500)).until(() -> !ownView.isStale() && ids(ownView).equals(Set.of("o1", "o2")));
    System.out.printf("client cut for half its session: its view converged %d ms after healing%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed));
    assertThat(client.sessionId()).isEqualTo(session);
    assertThat(Truth.read(ensemble.connectString(), SERVICE).get("o1").owner()).isEqualTo(session);
    assertThat(seen.stream().mapToInt(c -> c.removed().size()).sum()).as("removals seen by others").isZero();
    Map<Registration, Roster> regs = new LinkedHashMap<>();
    regs.put(reg, client);
    regs.put(o2, peer);
    Truth.assertConverged(ensemble.connectString(), SERVICE, List.of(ownView, other), regs);
  }

  @Test
  void registeringClientCutPastItsSessionLeavesThenReturnsOnce() throws Exception {
    ProxiedEnsemble p = proxies();
    Roster client = roster(p.connectString(), RosterEventListener.NONE);
    Registration reg = client.register(ServiceInstance.builder(SERVICE).id("o1").address("h").port(1).build());
    List<ServiceChange> seen = new CopyOnWriteArrayList<>();
    ServiceView other = watch(seen);
    long oldSession = client.sessionId();

    cut(p);
    long cutAt = System.nanoTime();
    await().atMost(SESSION.plus(TICK).plusSeconds(1)).until(() -> !ids(other).contains("o1"));
    System.out.printf("registering client cut: others saw it leave %d ms after the cut (session %d ms)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt), SESSION.toMillis());
    long until = cutAt + SESSION.multipliedBy(3).dividedBy(2).toNanos();
    while (System.nanoTime() < until) {
      Thread.sleep(50); // hold the cut for 1.5 times the session
    }
    heal(p);
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(other).contains("o1"));
    Map<String, Truth.Node> truth = Truth.read(ensemble.connectString(), SERVICE);
    assertThat(truth).containsOnlyKeys("o1");
    assertThat(truth.get("o1").owner()).isNotEqualTo(oldSession).isEqualTo(client.sessionId());
    Truth.assertConverged(ensemble.connectString(), SERVICE, List.of(other), Map.of(reg, client));
  }

  @Test
  void watchingClientCutPastItsSessionServesItsLastListThenRebuilds() throws Exception {
    Roster servers = roster(ensemble.connectString(), RosterEventListener.NONE);
    Registration o1 = servers.register(ServiceInstance.builder(SERVICE).id("o1").address("h").port(1).build());
    Registration o2 = servers.register(ServiceInstance.builder(SERVICE).id("o2").address("h").port(2).build());
    ProxiedEnsemble p = proxies();
    Roster client = roster(p.connectString(), RosterEventListener.NONE);
    ServiceView view = client.watch(SERVICE);
    view.whenReady().get(10, TimeUnit.SECONDS);
    List<ServiceChange> seen = new CopyOnWriteArrayList<>();
    view.addListener(seen::add);

    cut(p);
    long until = System.nanoTime() + SESSION.multipliedBy(2).toNanos();
    o1.close();
    Registration o3 = servers.register(ServiceInstance.builder(SERVICE).id("o3").address("h").port(3).build());
    while (System.nanoTime() < until) {
      assertThat(ids(view)).isEqualTo(Set.of("o1", "o2"));
      Thread.sleep(100); // sampling throughout the cut
    }
    heal(p);
    await().atMost(Duration.ofSeconds(10)).until(() -> !view.isStale() && ids(view).equals(Set.of("o2", "o3")));
    assertThat(seen).noneMatch(c -> c.instances().isEmpty());
    Truth.assertConverged(ensemble.connectString(), SERVICE, List.of(view), Map.of(o2, servers, o3, servers));
  }

  @Test
  void clientsOfAFrozenServerMoveBeforeTheirSessionsExpire() throws Exception {
    // A client notices a silent server after ZooKeeper's read timeout (2/3 of the session),
    // then waits a random 0-1 s before it connects elsewhere: with a 3 s session that leaves
    // no margin at all, so these clients use 4 s, the most this ensemble's tick allows.
    Duration session = Duration.ofSeconds(4);
    List<Long> expiries = new CopyOnWriteArrayList<>();
    RosterEventListener events = new RosterEventListener() {
      @Override
      public void sessionStarted(long previous, long sessionId) {
        if (previous != 0) {
          expiries.add(previous);
        }
      }
    };
    LocalEnsemble.Member target = ensemble.followers().get(0);
    // Clients that know only the frozen member and one other, so that they must be its clients
    // at first or move to the other one.
    List<Roster> clients = new ArrayList<>();
    Map<Registration, Roster> regs = new LinkedHashMap<>();
    String other = ensemble.members().stream().filter(m -> m != target).findFirst().orElseThrow().connectString();
    for (int i = 0; i < 4; i++) {
      Roster r = roster(target.connectString() + "," + other, events, session);
      clients.add(r);
      regs.put(r.register(ServiceInstance.builder(SERVICE).id("f" + i).address("h").port(i + 1).build()), r);
    }
    List<ServiceChange> seen = new CopyOnWriteArrayList<>();
    ServiceView view = watch(seen);
    target.freeze();
    try {
      // Each client notices the silence (ZooKeeper's read timeout is 2/3 of the session) and
      // moves on; every client writes again through the other server.
      for (Map.Entry<Registration, Roster> e : regs.entrySet()) {
        e.getKey().update(e.getKey().instance().toBuilder().metadata("moved", "yes").build());
      }
      await().atMost(session.plusSeconds(4)).untilAsserted(() ->
          assertThat(view.instances()).hasSize(4).allSatisfy(i -> assertThat(i.metadata()).containsEntry("moved", "yes")));
      assertThat(expiries).as("sessions that expired").isEmpty();
      assertThat(seen.stream().mapToInt(c -> c.removed().size()).sum()).isZero();
    } finally {
      target.thaw();
    }
    Truth.assertConverged(ensemble.connectString(), SERVICE, List.of(view), regs);
  }
}
