package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.SessionExpiry;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Roster.registerAll}: pipelined, checked before anything is sent, and all or report. */
class RegisterAllIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private ZooKeeper raw;

  @BeforeEach
  void connect() {
    raw = Zk.connect(zk.connectString(), Duration.ofSeconds(10));
  }

  @AfterEach
  void disconnect() throws InterruptedException {
    raw.close();
  }

  private static ServiceInstance instance(String service, String id) {
    return ServiceInstance.builder(service).id(id).address("10.0.0.1").port(8080).build();
  }

  private List<String> children(String path) throws Exception {
    return raw.exists(path, false) == null ? List.of() : raw.getChildren(path, false);
  }

  private static long creates(Map<String, Long> sent) {
    return sent.entrySet().stream().filter(e -> e.getKey().startsWith("create") && !e.getKey().equals("createSession"))
        .mapToLong(Map.Entry::getValue).sum();
  }

  @Test
  void aBatchIsRegisteredInOrderWithTwoRequestsPerInstanceAndParentsMadeOnce() throws Exception {
    List<ServiceInstance> batch = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      batch.add(instance("bulk-" + (i % 3), "b" + i));
    }
    java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
    RosterEventListener counter = new RosterEventListener() {
      @Override
      public void registered(ServiceInstance instance, RegisterReason reason, Duration took) {
        if (reason == RegisterReason.NEW) {
          made.incrementAndGet();
        }
      }
    };
    try (Roster roster = Roster.builder().connectString(zk.connectString()).eventListener(counter).build()) {
      Zk.awaitConnected(roster, Duration.ofSeconds(10));
      zk.server().resetRequestCounts();
      List<Registration> regs = roster.registerAll(batch);
      await().atMost(Duration.ofSeconds(5)).until(() -> made.get() == 600);

      assertThat(regs).extracting(Registration::instance).containsExactlyElementsOf(batch);
      assertThat(regs).allMatch(Registration::isRegistered);
      for (int s = 0; s < 3; s++) {
        List<String> ids = children("/services/bulk-" + s);
        assertThat(ids).hasSize(200);
        Stat stat = raw.exists("/services/bulk-" + s + "/" + ids.get(0), false);
        assertThat(stat.getEphemeralOwner()).isEqualTo(roster.sessionId());
      }
      Map<String, Long> sent = zk.server().requestCounts(roster.sessionId());
      // The three services' nodes did not exist: one round of creates finds that, one
      // pipelined round makes the directories, one more sends those creates again.
      assertThat(sent.get("addWatch")).isEqualTo(600);
      assertThat(creates(sent)).as("%s", sent).isEqualTo(600 + 600 + 4); // instances twice; /services and 3 services
      assertThat(sent.keySet()).allMatch(k -> k.startsWith("create") || k.equals("addWatch") || k.equals("ping"));

      zk.server().resetRequestCounts();
      List<ServiceInstance> more = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        more.add(instance("bulk-" + (i % 3), "m" + i));
      }
      roster.registerAll(more);
      Map<String, Long> again = zk.server().requestCounts(roster.sessionId());
      assertThat(again.get("addWatch")).isEqualTo(300);
      assertThat(creates(again)).as("%s", again).isEqualTo(300);

      try (ServiceView view = roster.watch("bulk-1")) {
        view.whenReady().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 300);
      }
      regs.get(1).close();
      assertThat(children("/services/bulk-1")).hasSize(299).doesNotContain("b1");
    }
  }

  @Test
  void badInputIsNamedByItsPlaceAndRegistersNothing() throws Exception {
    try (Roster roster = Roster.builder().connectString(zk.connectString()).maxInstanceBytes(2048).build()) {
      ServiceInstance big = ServiceInstance.builder("checked").id("big").address("h").port(1)
          .metadata("blob", "x".repeat(4000)).build();
      assertThatThrownBy(() -> roster.registerAll(List.of(instance("checked", "ok"), big)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("instance 1 of the batch")
          .hasMessageContaining("must be at most 2048");
      assertThatThrownBy(() -> roster.registerAll(List.of(instance("checked", "a"), instance("checked", "a"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("instance 1 of the batch")
          .hasMessageContaining("appears more than once");
      List<ServiceInstance> withNull = new ArrayList<>();
      withNull.add(instance("checked", "a"));
      withNull.add(null);
      assertThatThrownBy(() -> roster.registerAll(withNull))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("instance 1 of the batch");

      Registration held = roster.register(instance("checked", "held"));
      assertThatThrownBy(() -> roster.registerAll(List.of(instance("checked", "fresh"), instance("checked", "held"))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("checked/held is already registered by this Roster")
          .hasMessageContaining("nothing in the batch was registered");
      assertThat(children("/services/checked")).containsExactly("held");
      assertThat(held.isRegistered()).isTrue();
      // The refused batch claimed nothing: its instances can be registered now.
      assertThat(roster.registerAll(List.of(instance("checked", "fresh"), instance("checked", "ok")))).hasSize(2);
      assertThat(roster.registerAll(List.of())).isEmpty();
    }
  }

  @Test
  void aConflictIsReportedAndTheRestStayRegistered() throws Exception {
    try (Roster other = Roster.builder().connectString(zk.connectString()).build();
        Roster roster = Roster.builder().connectString(zk.connectString()).build()) {
      other.register(instance("shared", "taken"));
      List<ServiceInstance> batch = List.of(instance("shared", "a1"), instance("shared", "taken"), instance("shared", "a2"));

      RegistrationBatchException e = (RegistrationBatchException) org.assertj.core.api.Assertions
          .catchThrowable(() -> roster.registerAll(batch));
      assertThat(e).hasMessageStartingWith("1 of 3 instances could not be registered (2 were, and stay registered)")
          .hasMessageContaining("shared/taken: instance node /services/shared/taken is owned by another live session");
      assertThat(e.registered()).extracting(Registration::instance).containsExactly(batch.get(0), batch.get(2));
      assertThat(e.registered()).allMatch(Registration::isRegistered);
      assertThat(e.failures()).containsOnlyKeys(batch.get(1));
      assertThat(e.failures().get(batch.get(1))).isInstanceOf(RegistrationConflictException.class);
      Stat taken = raw.exists("/services/shared/taken", false);
      assertThat(taken.getEphemeralOwner()).isEqualTo(other.sessionId());
      assertThat(children("/services/shared")).containsExactlyInAnyOrder("a1", "a2", "taken");
    }
  }

  @Test
  void batchRegistrationsComeBackAfterASessionExpiryLikeAnyOther() throws Exception {
    try (Roster roster = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(4)).build()) {
      List<ServiceInstance> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        batch.add(instance("healing", "h" + i));
      }
      List<Registration> regs = roster.registerAll(batch);
      long old = roster.sessionId();
      SessionExpiry.expire(zk.connectString(), Zk.sessionId(roster), Zk.sessionPassword(roster), Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(20)).until(() -> roster.sessionId() != old
          && regs.stream().allMatch(Registration::isRegistered) && children("/services/healing").size() == 100);
      for (String id : children("/services/healing")) {
        assertThat(raw.exists("/services/healing/" + id, false).getEphemeralOwner()).isEqualTo(roster.sessionId());
      }
    }
  }
}
