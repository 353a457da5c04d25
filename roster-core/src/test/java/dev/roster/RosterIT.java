package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.balance.Selector;
import dev.roster.balance.Strategies;
import dev.roster.testing.SessionExpiry;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registration and discovery basics against a real in-process ZooKeeper. */
class RosterIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private static final Duration SESSION = Duration.ofSeconds(2);
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  private Roster roster() {
    return roster(RosterEventListener.NONE);
  }

  private Roster roster(RosterEventListener events) {
    Roster r = Roster.builder().connectString(zk.connectString()).sessionTimeout(SESSION)
        .connectionTimeout(Duration.ofSeconds(5)).eventListener(events).build();
    closeables.add(r);
    return r;
  }

  private ZooKeeper raw() {
    ZooKeeper z = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
    closeables.add(z::close);
    return z;
  }

  /** Records registrations made and let go, and the propagation times a view reports. */
  private static final class Lifecycle implements RosterEventListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Duration> propagated = new CopyOnWriteArrayList<>();

    @Override
    public void registered(ServiceInstance instance, RegisterReason reason, Duration took) {
      assertThat(took).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(Duration.ofSeconds(30));
      events.add(instance.id() + " " + reason);
    }

    @Override
    public void deregistered(ServiceInstance instance) {
      events.add(instance.id() + " deregistered");
    }

    @Override
    public void changePropagated(String service, Duration sinceWritten) {
      propagated.add(sinceWritten);
    }
  }

  private static ServiceInstance instance(String id, int port) {
    return ServiceInstance.builder("payments").id(id).address("127.0.0.1").port(port).build();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  @Test
  void registeredInstanceIsSeenWithEveryField() throws Exception {
    Roster server = roster();
    ServiceInstance me = ServiceInstance.builder("payments").id("payments-1").address("10.0.0.5").port(8080)
        .sslPort(8443).zone("eu-west-1a").weight(70).metadata("version", "1.4.2").build();
    Registration reg = server.register(me);
    assertThat(reg.instance()).isEqualTo(me);
    assertThat(Zk.stat(raw(), "/services/payments/payments-1").getEphemeralOwner()).isEqualTo(server.sessionId());

    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(view.instances()).containsExactly(me);
    assertThat(view.isStale()).isFalse();
    assertThat(view.staleSince()).isNull();
  }

  @Test
  void updateIsAnUpdateAndCloseIsARemoval() throws Exception {
    Lifecycle registrant = new Lifecycle();
    Lifecycle watcher = new Lifecycle();
    Roster server = roster(registrant);
    Registration reg = server.register(instance("p1", 8080));
    ServiceView view = roster(watcher).watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    view.addListener(rec);
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.addedIds().equals(List.of("p1")));

    long czxid = Zk.stat(raw(), "/services/payments/p1").getCzxid();
    reg.update(reg.instance().toBuilder().metadata("version", "2").build());
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.updatedIds().equals(List.of("p1")));
    assertThat(view.instances().get(0).metadata()).containsEntry("version", "2");
    assertThat(Zk.stat(raw(), "/services/payments/p1").getCzxid()).isEqualTo(czxid);
    // The update, told after the listener on the same event path; the first read is no propagation.
    await().atMost(Duration.ofSeconds(2)).until(() -> !watcher.propagated.isEmpty());
    assertThat(watcher.propagated).hasSize(1).allSatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(5)));

    reg.close();
    reg.close(); // idempotent
    assertThat(reg.isOpen()).isFalse();
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.removedIds().equals(List.of("p1")));
    assertThat(view.instances()).isEmpty();
    assertThat(Zk.stat(raw(), "/services/payments/p1")).isNull();
    assertThat(watcher.propagated).hasSize(1); // a removal has no write time to measure from

    // The same id again is a registration of its own, made and let go once.
    server.register(instance("p1", 8081)).close();
    await().atMost(Duration.ofSeconds(2)).until(() -> registrant.events.size() == 4);
    assertThat(registrant.events).containsExactly("p1 NEW", "p1 deregistered", "p1 NEW", "p1 deregistered");
  }

  @Test
  void updateMustKeepServiceAndId() {
    Registration reg = roster().register(instance("p1", 8080));
    assertThatThrownBy(() -> reg.update(instance("p2", 8080)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must keep the service and id");
  }

  @Test
  void registeringTheSameIdTwiceInOneRosterIsRefused() {
    Roster r = roster();
    r.register(instance("p1", 8080));
    assertThatThrownBy(() -> r.register(instance("p1", 8081)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already registered");
  }

  @Test
  void watchingAServiceWithNoNodeIsReadyAndEmpty() throws Exception {
    ServiceView view = roster().watch("nobody");
    assertThat(view.whenReady().get(5, TimeUnit.SECONDS).instances()).isEmpty();
    assertThat(view.isStale()).isFalse();
    // ...and sees the first instance when it comes.
    roster().register(ServiceInstance.builder("nobody").id("n1").address("h").port(1).build());
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 1);
  }

  @Test
  void viewsAreSharedAndReferenceCounted() throws Exception {
    Roster client = roster();
    ServiceView a = client.watch("payments");
    ServiceView b = client.watch("payments");
    a.whenReady().get(5, TimeUnit.SECONDS);
    b.whenReady().get(5, TimeUnit.SECONDS);
    roster().register(instance("p1", 1));
    await().atMost(Duration.ofSeconds(2)).until(() -> b.instances().size() == 1);
    // Same underlying snapshot object: one watch, one cache.
    assertThat(a.instances()).isSameAs(b.instances());
    a.close();
    roster().register(instance("p2", 2));
    await().atMost(Duration.ofSeconds(2)).until(() -> b.instances().size() == 2);
    b.close();
    ServiceView c = client.watch("payments");
    assertThat(c.whenReady().get(5, TimeUnit.SECONDS).instances()).hasSize(2);
  }

  @Test
  void lateListenerGetsCurrentInstancesFirstAndHandleRemovesIt() throws Exception {
    roster().register(instance("p1", 1));
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    Subscription sub = view.addListener(rec);
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.addedIds().equals(List.of("p1")));
    sub.close();
    roster().register(instance("p2", 2));
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 2);
    // Proving absence: give the view's executor a moment to (wrongly) deliver.
    Thread.sleep(200);
    assertThat(rec.changes).hasSize(1);
  }

  @Test
  void aThrowingListenerDoesNotStopTheOthers() throws Exception {
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    view.addListener(change -> {
      throw new IllegalStateException("listener bug");
    });
    Recorder rec = new Recorder();
    view.addListener(rec);
    Roster server = roster();
    server.register(instance("p1", 1));
    server.register(instance("p2", 2));
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.ids().equals(Set.of("p1", "p2")));
  }

  @Test
  void closingTheRosterRemovesAllItsInstancesAtOnce() throws Exception {
    Roster server = roster();
    Registration p1 = server.register(instance("p1", 1));
    server.register(instance("p2", 2));
    server.register(ServiceInstance.builder("orders").id("o1").address("h").port(3).build());
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(view.instances()).hasSize(2);
    Recorder rec = new Recorder();
    view.addListener(rec);
    // The listener is added on the view's executor; wait for its first delivery.
    await().atMost(Duration.ofSeconds(5)).until(() -> rec.changes.size() == 1);
    server.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().isEmpty());
    // The listener may trail the view's snapshot by a moment; its last change empties the list.
    await().atMost(Duration.ofSeconds(5)).until(() -> rec.removedIds().size() == 2);
    assertThat(rec.changes.get(rec.changes.size() - 1).instances()).isEmpty();
    assertThat(Zk.stat(raw(), "/services/orders/o1")).isNull();
    assertThatThrownBy(() -> server.register(instance("p3", 3))).isInstanceOf(IllegalStateException.class);
    // Registrations of a closed Roster close at once and refuse updates.
    long start = System.nanoTime();
    p1.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    assertThatThrownBy(() -> p1.update(p1.instance())).isInstanceOf(IllegalStateException.class);
    server.close(); // idempotent
  }

  @Test
  void registrationIsRecreatedAfterTheSessionExpires() throws Exception {
    List<Long> sessions = new CopyOnWriteArrayList<>();
    List<String> registered = new CopyOnWriteArrayList<>();
    Roster server = roster(new RosterEventListener() {
      @Override
      public void sessionStarted(long previous, long sessionId) {
        sessions.add(sessionId);
      }

      @Override
      public void registered(ServiceInstance instance, RegisterReason reason, Duration took) {
        registered.add(instance.id() + " " + reason);
      }
    });
    server.register(instance("p1", 1));
    server.register(instance("p2", 2));
    long before = server.sessionId();
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);

    SessionExpiry.expire(zk.connectString(), Zk.sessionId(server), Zk.sessionPassword(server), Duration.ofSeconds(5));

    ZooKeeper raw = raw();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Stat p1 = Zk.stat(raw, "/services/payments/p1");
      Stat p2 = Zk.stat(raw, "/services/payments/p2");
      assertThat(p1).isNotNull();
      assertThat(p2).isNotNull();
      assertThat(p1.getEphemeralOwner()).isNotEqualTo(before).isEqualTo(server.sessionId());
      assertThat(p2.getEphemeralOwner()).isEqualTo(server.sessionId());
    });
    assertThat(sessions).hasSizeGreaterThanOrEqualTo(2);
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 2);
    await().atMost(Duration.ofSeconds(2)).until(() -> registered.size() == 4);
    assertThat(registered).containsExactlyInAnyOrder("p1 NEW", "p2 NEW", "p1 SESSION_EXPIRED", "p2 SESSION_EXPIRED");
  }

  @Test
  void nodeDeletedFromOutsideComesBack() throws Exception {
    Lifecycle events = new Lifecycle();
    Roster server = roster(events);
    Registration reg = server.register(instance("p1", 1));
    ZooKeeper raw = raw();
    raw.delete("/services/payments/p1", -1);
    await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
      Stat s = Zk.stat(raw, "/services/payments/p1");
      assertThat(s).isNotNull();
      assertThat(s.getEphemeralOwner()).isEqualTo(server.sessionId());
    });
    // Data overwritten from outside is restored too.
    raw.setData("/services/payments/p1", "garbage".getBytes(), -1);
    await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
        assertThat(raw.getData("/services/payments/p1", false, null))
            .isEqualTo(dev.roster.codec.InstanceCodec.springCloud().encode(reg.instance())));
    // Restoring the data is no new registration; only the deletion made one.
    await().atMost(Duration.ofSeconds(2)).until(() -> events.events.size() >= 2);
    assertThat(events.events).containsExactly("p1 NEW", "p1 NODE_DELETED");
  }

  @Test
  void aNodeOwnedByAnotherLiveSessionIsAConflict() throws Exception {
    ZooKeeper other = raw();
    other.create("/services", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
    other.create("/services/payments", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER);
    other.create("/services/payments/p1", "theirs".getBytes(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    List<Long> conflicts = new CopyOnWriteArrayList<>();
    Roster server = roster(new RosterEventListener() {
      @Override
      public void registrationConflict(ServiceInstance instance, long owner) {
        conflicts.add(owner);
      }
    });
    assertThatThrownBy(() -> server.register(instance("p1", 1)))
        .isInstanceOfSatisfying(RegistrationConflictException.class, e -> {
          assertThat(e.path()).isEqualTo("/services/payments/p1");
          assertThat(e.ownerSessionId()).isEqualTo(other.getSessionId());
        })
        .hasMessageContaining("/services/payments/p1")
        .hasMessageContaining(Long.toHexString(other.getSessionId()));
    assertThat(other.getData("/services/payments/p1", false, null)).isEqualTo("theirs".getBytes());
    assertThat(conflicts).containsExactly(other.getSessionId());
    // The failed registration is forgotten: registering once the owner is gone works.
    other.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> Zk.stat(raw(), "/services/payments/p1") == null);
    assertThat(server.register(instance("p1", 1)).isOpen()).isTrue();
  }

  @Test
  void selectorPicksUpInstancesAndFollowsChanges() throws Exception {
    Roster server = roster();
    server.register(instance("p1", 1));
    server.register(instance("p2", 2));
    server.register(ServiceInstance.builder("payments").id("p3").address("h").port(3)
        .status(ServiceInstance.Status.DRAINING).build());
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Selector rr = view.selector(Strategies.roundRobin());
    Set<String> picked = java.util.stream.IntStream.range(0, 10).mapToObj(i -> rr.pick().id())
        .collect(Collectors.toSet());
    assertThat(picked).containsExactlyInAnyOrder("p1", "p2");
    server.register(instance("p4", 4));
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 4);
    picked = java.util.stream.IntStream.range(0, 10).mapToObj(i -> rr.pick().id()).collect(Collectors.toSet());
    assertThat(picked).containsExactlyInAnyOrder("p1", "p2", "p4");
    assertThat(roster().watch("empty").selector(Strategies.random()).pick()).isNull();
  }

  @Test
  void registerWhileZooKeeperIsUnreachableFailsWithinTheOperationTimeoutAndLeavesNothing() throws Exception {
    try (dev.roster.testing.FaultProxy proxy = dev.roster.testing.FaultProxy.start(zk.connectString());
        Roster r = Roster.builder().connectString(proxy.connectString()).sessionTimeout(Duration.ofSeconds(4))
            .operationTimeout(Duration.ofSeconds(1)).build()) {
      proxy.cut();
      await().atMost(Duration.ofSeconds(3)).until(() -> !r.isConnected());
      long start = System.nanoTime();
      assertThatThrownBy(() -> r.register(instance("p1", 1)))
          .isInstanceOf(RosterException.class)
          .hasMessageContaining(proxy.connectString());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      proxy.heal();
      await().atMost(Duration.ofSeconds(5)).until(r::isConnected);
      // The failed registration is not created behind the caller's back once ZooKeeper is back.
      ServiceView view = roster().watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      Thread.sleep(500); // proving absence: give a stray create time to show
      assertThat(view.instances()).isEmpty();
      assertThat(r.register(instance("p1", 1)).isOpen()).isTrue();
      await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 1);
    }
  }

  @Test
  void aNodeReplacedInOneTransactionAsRosterReplacesIsAnUpdateNeverARemoval() throws Exception {
    ZooKeeper other = raw();
    dev.roster.codec.InstanceCodec codec = dev.roster.codec.InstanceCodec.springCloud();
    Zk.createPersistent(other, "/services/payments/p1", codec.encode(instance("p1", 1)));
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    Recorder rec = new Recorder();
    view.addListener(rec);
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.addedIds().equals(List.of("p1")));
    for (int port = 2; port <= 21; port++) {
      // Roster's replacing transaction: it first writes the service node, which tells every
      // watcher that a deletion in the same transaction may be half of a replacement.
      other.multi(List.of(
          org.apache.zookeeper.Op.setData("/services/payments", new byte[0], -1),
          org.apache.zookeeper.Op.delete("/services/payments/p1", -1),
          org.apache.zookeeper.Op.create("/services/payments/p1", codec.encode(instance("p1", port)),
              ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
      int expected = port;
      await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().size() == 1
          && view.instances().get(0).port() == expected);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.updatedIds().size() >= 20);
    assertThat(rec.removedIds()).isEmpty();
    assertThat(rec.addedIds()).containsExactly("p1");
    assertThat(rec.updatedIds()).hasSize(20);

    // Another tool's delete and create in one transaction, without that first write, is told as
    // what it looks like to a watcher that reads nothing on a deletion: a removal, then an add.
    other.multi(List.of(
        org.apache.zookeeper.Op.delete("/services/payments/p1", -1),
        org.apache.zookeeper.Op.create("/services/payments/p1", codec.encode(instance("p1", 99)),
            ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
    await().atMost(Duration.ofSeconds(2)).until(() -> rec.addedIds().size() == 2);
    assertThat(rec.removedIds()).containsExactly("p1");
    assertThat(view.instances()).extracting(ServiceInstance::port).containsExactly(99);
  }

  @Test
  void buildFailsWithTheConnectStringWhenNothingListens() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String cs = "127.0.0.1:" + port;
    long start = System.nanoTime();
    assertThatThrownBy(() -> Roster.builder().connectString(cs).connectionTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(RosterException.class).hasMessageContaining(cs);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }
}
