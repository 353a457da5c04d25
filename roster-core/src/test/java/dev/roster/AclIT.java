package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import dev.roster.testing.SessionExpiry;
import dev.roster.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ACLs that mean something: on a real ZooKeeper with digest identities, a service's nodes
 * belong to its identity, another identity can read them and nothing more, a squatter's
 * service node does not capture registrations, and ZooKeeper's refusals read clearly.
 */
class AclIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private static final Duration SESSION = Duration.ofSeconds(3);
  private static final char[] PAYMENTS_PASSWORD = "payments-secret".toCharArray();
  private static final char[] MALLORY_PASSWORD = "mallory-secret".toCharArray();
  private static final char[] READER_PASSWORD = "reader-secret".toCharArray();
  private static final char[] ADMIN_PASSWORD = "admin-secret".toCharArray();
  private static final Id PAYMENTS = id(Authentication.digestAclId("payments", PAYMENTS_PASSWORD));
  private static final Id MALLORY = id(Authentication.digestAclId("mallory", MALLORY_PASSWORD));
  private static final Id READER = id(Authentication.digestAclId("reader", READER_PASSWORD));
  private static final Id ADMIN = id(Authentication.digestAclId("admin", ADMIN_PASSWORD));

  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Roster roster(Roster.Builder builder) {
    Roster r = builder.connectString(zk.connectString()).sessionTimeout(SESSION)
        .connectionTimeout(Duration.ofSeconds(5)).operationTimeout(Duration.ofSeconds(5)).build();
    closeables.add(r);
    return r;
  }

  private Roster payments(AclPolicy policy, RosterEventListener events) {
    return roster(Roster.builder().authentication(Authentication.digest("payments", PAYMENTS_PASSWORD))
        .aclPolicy(policy).eventListener(events));
  }

  private Roster payments() {
    return roster(Roster.builder().authentication(Authentication.digest("payments", PAYMENTS_PASSWORD)));
  }

  private ZooKeeper raw(String user, char[] password) {
    ZooKeeper z = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
    closeables.add(z::close);
    if (user != null) {
      z.addAuthInfo("digest", (user + ":" + new String(password)).getBytes(StandardCharsets.UTF_8));
    }
    return z;
  }

  private ZooKeeper anonymous() {
    return raw(null, null);
  }

  private static ServiceInstance instance(String service, String id) {
    return ServiceInstance.builder(service).id(id).address("10.0.0.1").port(8080).build();
  }

  private static Id id(String aclId) {
    int colon = aclId.indexOf(':');
    return new Id(aclId.substring(0, colon), aclId.substring(colon + 1));
  }

  private static ACL acl(int perms, Id id) {
    return new ACL(perms, id);
  }

  /** As the handle sees it: the server shows digest hashes only to a reader with admin permission. */
  private static List<ACL> aclOf(ZooKeeper z, String path) throws Exception {
    return z.getACL(path, new Stat());
  }

  /** An ACL list ZooKeeper's synchronous calls accept (they ask it whether it holds null). */
  private static List<ACL> acls(ACL... entries) {
    return new java.util.ArrayList<>(List.of(entries));
  }

  @Test
  void anotherIdentityReadsAServiceButCannotChangeIt() throws Exception {
    Roster owner = payments();
    owner.register(instance("payments", "p1"));
    ZooKeeper mallory = raw("mallory", MALLORY_PASSWORD);

    assertThat(mallory.getChildren("/services/payments", false)).containsExactly("p1");
    assertThat(mallory.getData("/services/payments/p1", false, null)).isNotEmpty();
    assertThatThrownBy(() -> mallory.delete("/services/payments/p1", -1))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> mallory.setData("/services/payments/p1", "evil".getBytes(StandardCharsets.UTF_8), -1))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> mallory.setACL("/services/payments/p1", ZooDefs.Ids.OPEN_ACL_UNSAFE, -1))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> mallory.setACL("/services/payments", ZooDefs.Ids.OPEN_ACL_UNSAFE, -1))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> mallory.create("/services/payments/fake", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL)).isInstanceOf(KeeperException.NoAuthException.class);

    // Through Roster, as mallory: the default policy checks the service node first.
    Roster asMallory = roster(Roster.builder().authentication(Authentication.digest("mallory", MALLORY_PASSWORD)));
    assertThatThrownBy(() -> asMallory.register(instance("payments", "fake")))
        .isExactlyInstanceOf(RosterException.class)
        .hasMessageContaining("refusing to register under service node /services/payments")
        .hasMessageContaining("[digest:payments:…=cdrwa, world:anyone=r]")
        .hasMessageContaining("[digest:mallory:…]")
        .hasMessageContaining("roster service create payments --owner")
        .hasMessageNotContaining(PAYMENTS.getId().substring(PAYMENTS.getId().indexOf(':') + 1));
    // And under open(), which checks nothing, ZooKeeper itself refuses; the message says so.
    Roster openMallory = roster(Roster.builder().authentication(Authentication.digest("mallory", MALLORY_PASSWORD))
        .aclPolicy(AclPolicy.open()));
    assertThatThrownBy(() -> openMallory.register(instance("payments", "fake")))
        .isExactlyInstanceOf(RosterException.class)
        .hasMessage("ZooKeeper refused create on /services/payments/fake: this Roster's identity"
            + " [digest:mallory:…] lacks CREATE on /services/payments (ACL [digest:payments:…=cdrwa, world:anyone=r])");
    assertThat(mallory.getChildren("/services/payments", false)).containsExactly("p1");

    // Anyone still reads the service through a view.
    Roster reader = roster(Roster.builder());
    ServiceView view = reader.watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
  }

  @Test
  void theOwnerUpdatesDeregistersAndRegistersAgainAlsoAfterItsSessionExpired() throws Exception {
    Roster owner = payments();
    ZooKeeper anyone = anonymous();
    Registration p1 = owner.register(instance("payments", "p1"));
    p1.update(instance("payments", "p1").toBuilder().port(9090).build());
    assertThat(new String(anyone.getData("/services/payments/p1", false, null), StandardCharsets.UTF_8))
        .contains("9090");
    owner.register(instance("payments", "p2")); // keeps the container while p1 is away
    p1.close();
    assertThat(Zk.stat(anyone, "/services/payments/p1")).isNull();
    Registration again = owner.register(instance("payments", "p1"));

    long before = owner.sessionId();
    SessionExpiry.expire(zk.connectString(), Zk.sessionId(owner), Zk.sessionPassword(owner), Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      for (String id : List.of("p1", "p2")) {
        Stat s = Zk.stat(anyone, "/services/payments/" + id);
        assertThat(s).isNotNull();
        assertThat(s.getEphemeralOwner()).isNotEqualTo(before).isEqualTo(owner.sessionId());
      }
    });
    assertThat(aclOf(raw("payments", PAYMENTS_PASSWORD), "/services/payments/p1"))
        .containsExactly(acl(Perms.ALL, PAYMENTS), acl(Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    again.update(instance("payments", "p1").toBuilder().port(9191).build());
    assertThat(new String(anyone.getData("/services/payments/p1", false, null), StandardCharsets.UTF_8))
        .contains("9191");
    // On the new session too, a second registration in a verified service costs a create and a watch.
    zk.server().resetRequestCounts();
    owner.register(instance("payments", "p3"));
    assertThat(withoutPings(zk.server().requestCounts(owner.sessionId())))
        .containsOnlyKeys("create", "addWatch").containsEntry("create", 1L).containsEntry("addWatch", 1L);
  }

  @Test
  void everyNodeRosterCreatesCarriesTheServiceOwnedAcl() throws Exception {
    Roster owner = roster(Roster.builder().basePath("/org/services")
        .authentication(Authentication.digest("payments", PAYMENTS_PASSWORD))
        .aclPolicy(AclPolicy.serviceOwned().withAdmins(Authentication.digestAclId("admin", ADMIN_PASSWORD))));
    owner.register(instance("payments", "p1"));
    owner.registerAll(List.of(instance("orders", "o1"), instance("orders", "o2")));
    ZooKeeper anyone = raw("payments", PAYMENTS_PASSWORD);
    List<ACL> directory = List.of(acl(Perms.ALL, PAYMENTS), acl(Perms.ALL, ADMIN),
        acl(Perms.READ | Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    List<ACL> node = List.of(acl(Perms.ALL, PAYMENTS), acl(Perms.ALL, ADMIN),
        acl(Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    assertThat(aclOf(anyone, "/org")).isEqualTo(directory);
    assertThat(aclOf(anyone, "/org/services")).isEqualTo(directory);
    for (String path : List.of("/org/services/payments", "/org/services/payments/p1", "/org/services/orders",
        "/org/services/orders/o1", "/org/services/orders/o2")) {
      assertThat(aclOf(anyone, path)).as(path).isEqualTo(node);
    }
    // Anyone may start a new service under the base path, and nothing more.
    ZooKeeper mallory = raw("mallory", MALLORY_PASSWORD);
    mallory.create("/org/services/mallorys", new byte[0], ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT);
    assertThatThrownBy(() -> mallory.delete("/org/services/mallorys", -1))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> mallory.setACL("/org/services", ZooDefs.Ids.OPEN_ACL_UNSAFE, -1))
        .isInstanceOf(KeeperException.NoAuthException.class);
  }

  @Test
  void lockedNodesAreReadOnlyByTheirReaders() throws Exception {
    Roster owner = payments(AclPolicy.locked(Authentication.digestAclId("reader", READER_PASSWORD)),
        RosterEventListener.NONE);
    owner.register(instance("payments", "p1"));
    ZooKeeper reader = raw("reader", READER_PASSWORD);
    ZooKeeper ownerHandle = raw("payments", PAYMENTS_PASSWORD);
    assertThat(aclOf(ownerHandle, "/services"))
        .containsExactly(acl(Perms.ALL, PAYMENTS), acl(Perms.READ | Perms.CREATE, READER));
    for (String path : List.of("/services/payments", "/services/payments/p1")) {
      assertThat(aclOf(ownerHandle, path)).as(path).containsExactly(acl(Perms.ALL, PAYMENTS), acl(Perms.READ, READER));
    }
    assertThat(reader.getChildren("/services/payments", false)).containsExactly("p1");
    ZooKeeper anyone = anonymous();
    assertThatThrownBy(() -> anyone.getChildren("/services/payments", false))
        .isInstanceOf(KeeperException.NoAuthException.class);
    assertThatThrownBy(() -> anyone.getChildren("/services", false))
        .isInstanceOf(KeeperException.NoAuthException.class);
    ZooKeeper mallory = raw("mallory", MALLORY_PASSWORD);
    assertThatThrownBy(() -> mallory.getData("/services/payments/p1", false, null))
        .isInstanceOf(KeeperException.NoAuthException.class);

    Roster readerView = roster(Roster.builder().authentication(Authentication.digest("reader", READER_PASSWORD)));
    ServiceView view = readerView.watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
    assertThat(readerView.services()).containsExactly("payments");
  }

  @Test
  void aSquattersServiceNodeCapturesNoRegistration() throws Exception {
    ZooKeeper mallory = raw("mallory", MALLORY_PASSWORD);
    mallory.create("/services", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    // World may create: without the check, the owner's instances would land in mallory's node.
    mallory.create("/services/payments", new byte[0],
        acls(acl(Perms.ALL, MALLORY), acl(Perms.READ | Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE)),
        CreateMode.PERSISTENT);
    List<String> refused = new CopyOnWriteArrayList<>();
    Roster owner = payments(AclPolicy.serviceOwned(), new RosterEventListener() {
      @Override
      public void registrationRefused(ServiceInstance instance, String reason) {
        refused.add(instance.id());
      }
    });

    assertThatThrownBy(() -> owner.register(instance("payments", "p1")))
        .isExactlyInstanceOf(RosterException.class)
        .hasMessageStartingWith("refusing to register under service node /services/payments: its ACL"
            + " [digest:mallory:…=cdrwa, world:anyone=cr] does not give this Roster's identity all permissions")
        .hasMessageContaining("gives create, delete, write, admin to digest:mallory:…")
        .hasMessageContaining("gives create to world:anyone")
        .hasMessageContaining("this Roster's identity is [digest:payments:…]")
        .hasMessageContaining("roster service create payments --owner");

    assertThatThrownBy(() -> owner.registerAll(List.of(instance("payments", "p1"), instance("orders", "o1"),
        instance("payments", "p2"))))
        .isInstanceOfSatisfying(RegistrationBatchException.class, e -> {
          assertThat(e.registered()).extracting(r -> r.instance().id()).containsExactly("o1");
          assertThat(e.failures()).hasSize(2);
          e.failures().forEach((instance, why) -> assertThat(why)
              .isExactlyInstanceOf(RosterException.class)
              .hasMessageStartingWith("refusing to register under service node /services/payments: its ACL"
                  + " [digest:mallory:…=cdrwa, world:anyone=cr]"));
        });
    assertThat(mallory.getChildren("/services/payments", false)).isEmpty();
    await().atMost(Duration.ofSeconds(2)).until(() -> refused.containsAll(List.of("p1", "p2")));
  }

  @Test
  void aServiceTakenOverDuringAnExpiryIsNotReRegisteredUntilAnOperatorFixesIt() throws Exception {
    List<String> refusals = new CopyOnWriteArrayList<>();
    List<String> registered = new CopyOnWriteArrayList<>();
    AclPolicy policy = AclPolicy.serviceOwned().withAdmins(Authentication.digestAclId("admin", ADMIN_PASSWORD));
    Roster owner = payments(policy, new RosterEventListener() {
      @Override
      public void registrationRefused(ServiceInstance instance, String reason) {
        refusals.add(reason);
      }

      @Override
      public void registered(ServiceInstance instance, RegisterReason reason, Duration took) {
        registered.add(instance.id() + " " + reason);
      }
    });
    Registration p1 = owner.register(instance("payments", "p1"));
    // Another instance of payments, whose session lives on, keeps the service node from being
    // swept away as an empty container.
    payments(policy, RosterEventListener.NONE).register(instance("payments", "p2"));
    ZooKeeper admin = raw("admin", ADMIN_PASSWORD);
    List<ACL> ours = new java.util.ArrayList<>(aclOf(admin, "/services/payments"));
    // The node changes hands while the owner's session lives; the owner verified it on that
    // session and does not look again until its next one.
    admin.setACL("/services/payments",
        acls(acl(Perms.ALL, MALLORY), acl(Perms.ALL, ADMIN), acl(Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE)), -1);
    long before = owner.sessionId();
    SessionExpiry.expire(zk.connectString(), Zk.sessionId(owner), Zk.sessionPassword(owner), Duration.ofSeconds(5));

    await().atMost(Duration.ofSeconds(10)).until(() -> !refusals.isEmpty());
    assertThat(refusals.get(0)).startsWith("refusing to register under service node /services/payments: its ACL"
        + " [digest:mallory:…=cdrwa, digest:admin:…=cdrwa, world:anyone=r]");
    assertThat(owner.sessionId()).isNotEqualTo(before);
    assertThat(Zk.stat(admin, "/services/payments/p1")).isNull();
    assertThat(p1.isRegistered()).isFalse();
    assertThatThrownBy(() -> p1.update(instance("payments", "p1").toBuilder().port(1).build()))
        .isExactlyInstanceOf(RosterException.class)
        .hasMessageStartingWith("refusing to register under service node /services/payments");

    // The operator gives the node back; the retries, backing off, register again.
    admin.setACL("/services/payments", ours, -1);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Stat s = Zk.stat(admin, "/services/payments/p1");
      assertThat(s).isNotNull();
      assertThat(s.getEphemeralOwner()).isEqualTo(owner.sessionId());
    });
    await().atMost(Duration.ofSeconds(2)).until(() -> registered.contains("p1 SESSION_EXPIRED"));
    assertThat(refusals).hasSize(1); // reported once, not on every retry
  }

  @Test
  void refusalsFromZooKeeperNameTheNodeTheIdentityAndTheAcl() throws Exception {
    AclPolicy policy = AclPolicy.serviceOwned().withAdmins(Authentication.digestAclId("admin", ADMIN_PASSWORD));
    Roster owner = payments(policy, RosterEventListener.NONE);
    Registration p1 = owner.register(instance("payments", "p1"));
    ZooKeeper admin = raw("admin", ADMIN_PASSWORD);
    admin.setACL("/services/payments/p1",
        acls(acl(Perms.ALL, ADMIN), acl(Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE)), -1);
    assertThatThrownBy(() -> p1.update(instance("payments", "p1").toBuilder().port(1).build()))
        .isExactlyInstanceOf(RosterException.class)
        .hasMessage("ZooKeeper refused setData on /services/payments/p1: this Roster's identity [digest:payments:…]"
            + " lacks WRITE (ACL [digest:admin:…=cdrwa, world:anyone=r])");

    // An id the server does not accept in an ACL.
    Roster invalid = roster(Roster.builder().authentication(Authentication.digest("payments", PAYMENTS_PASSWORD))
        .aclPolicy(AclPolicy.serviceOwned().withAdmins("ip:not-an-address")));
    assertThatThrownBy(() -> invalid.register(instance("billing", "b1")))
        .isExactlyInstanceOf(RosterException.class)
        // The server checks the ACL before it looks for the node: the base path's create, which
        // would have found it existing, is the one refused.
        .hasMessageStartingWith("ZooKeeper refused create on /services: the server did not accept the ACL"
            + " [auth (the creating session's identities)=cdrwa, ip:not-an-address=cdrwa, world:anyone=cr]")
        .hasMessageContaining("is the identity authenticated, is the x509/sasl authProvider configured");
  }

  @Test
  void openKeepsEveryNodeOpenToEveryone() throws Exception {
    Roster anonymousOwner = roster(Roster.builder());
    anonymousOwner.register(instance("payments", "p1"));
    Roster authenticatedButOpen = roster(Roster.builder()
        .authentication(Authentication.digest("payments", PAYMENTS_PASSWORD)).aclPolicy(AclPolicy.open()));
    authenticatedButOpen.register(instance("orders", "o1"));
    ZooKeeper anyone = anonymous();
    for (String path : List.of("/services", "/services/payments", "/services/payments/p1", "/services/orders",
        "/services/orders/o1")) {
      assertThat(aclOf(anyone, path)).as(path).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    }
    // And costs no request more: a registration is a create and a watch.
    zk.server().resetRequestCounts();
    authenticatedButOpen.register(instance("orders", "o2"));
    assertThat(withoutPings(zk.server().requestCounts(authenticatedButOpen.sessionId())))
        .containsOnlyKeys("create", "addWatch");
  }

  @Test
  void anOwnedPolicyWithoutAnIdentityIsRefusedAtBuild() {
    for (AclPolicy policy : List.of(AclPolicy.serviceOwned(), AclPolicy.locked())) {
      assertThatThrownBy(() -> Roster.builder().connectString(zk.connectString()).aclPolicy(policy).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("acl policy " + policy.name())
          .hasMessageContaining("needs an identity");
    }
  }

  private static Map<String, Long> withoutPings(Map<String, Long> counts) {
    Map<String, Long> copy = new java.util.TreeMap<>(counts);
    copy.remove("ping");
    return copy;
  }

  /**
   * A view meets nodes it may not read: one instance whose ACL hides it from this identity is
   * skipped and counted while the others are served; a whole service it may not list makes the
   * view fail with a message that names the node and the identity, not retry silently.
   */
  @Test
  void aViewSkipsAnUnreadableInstanceAndFailsClearlyOnAnUnreadableService() throws Exception {
    Roster owner = payments();
    owner.register(instance("payments", "p1"));
    ZooKeeper ownerHandle = raw("payments", PAYMENTS_PASSWORD);
    ownerHandle.create("/services/payments/hidden", dev.roster.codec.InstanceCodec.springCloud().encode(
        instance("payments", "hidden")), acls(acl(Perms.ALL, PAYMENTS)), org.apache.zookeeper.CreateMode.EPHEMERAL);

    Roster other = roster(Roster.builder().authentication(Authentication.digest("mallory", MALLORY_PASSWORD)));
    ServiceView view = other.watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1");
    assertThat(view.skippedNodes()).isEqualTo(1);
    owner.register(instance("payments", "p2"));
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 2);

    Roster locked = payments(AclPolicy.locked(), RosterEventListener.NONE);
    locked.register(instance("secret", "s1"));
    ServiceView hidden = other.watch("secret");
    assertThatThrownBy(() -> hidden.whenReady().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(RosterException.class)
        .cause().hasMessageContaining("ZooKeeper refused read on /services/secret")
        .hasMessageContaining("digest:mallory").hasMessageContaining("lacks READ");
  }
}
