package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import dev.roster.testing.SaslExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Authentication#sasl(String)} against servers that take SASL (DIGEST-MD5, so no KDC is
 * needed), through {@link SaslExtension}: the servers are child processes given a JAAS file and
 * ZooKeeper's SASL provider, which are JVM-wide settings; this JVM's side is login contexts of
 * this test's own names and ZooKeeper's FIPS switch off, both set for this class and put back
 * after, so no other test's client tries SASL or leaves FIPS mode.
 */
class SaslIT {
  private static final String CONTEXT = "RosterSaslIT";
  private static final String OTHER_CONTEXT = "RosterSaslITOther";
  private static final Duration SESSION = Duration.ofSeconds(4);
  private static final Duration CONNECT = Duration.ofSeconds(5);
  /** ZooKeeper's FIPS switch, which {@link SaslExtension} turns off while this class runs. */
  private static final String FIPS = "zookeeper.fips-mode";

  @RegisterExtension
  static final SaslExtension sasl = SaslExtension.users(Map.of("payments", "payments-secret", "orders", "orders-secret"))
      .login(CONTEXT, "payments", "payments-secret")
      .login(OTHER_CONTEXT, "orders", "orders-secret")
      .login("RosterSaslITWrong", "payments", "not-the-password");

  @Test
  void aSaslIdentityOwnsItsServiceAndAnotherIsRefused() throws Exception {
    try (Roster payments = roster(Authentication.sasl(CONTEXT));
         Roster reader = Roster.builder().connectString(sasl.connectString()).sessionTimeout(SESSION).build();
         ServiceView view = reader.watch("payments")) {
      ServiceInstance p1 = ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8080).build();
      payments.register(p1);

      // Anyone reads it; the node and its service are the SASL identity's.
      view.whenReady().get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().contains(p1));
      List<ACL> nodeAcl = acl("/services/payments/p1");
      assertThat(nodeAcl).contains(new ACL(Perms.ALL, new Id("sasl", "payments")));
      assertThat(nodeAcl).allSatisfy(a -> {
        if (!a.getId().getScheme().equals("sasl")) {
          assertThat(a.getPerms()).isEqualTo(Perms.READ);
        }
      });
      assertThat(acl("/services/payments")).contains(new ACL(Perms.ALL, new Id("sasl", "payments")));

      // Another SASL identity may read but not register into it; the message names both.
      try (Roster orders = roster(Authentication.sasl(OTHER_CONTEXT))) {
        assertThatThrownBy(() -> orders.register(ServiceInstance.builder("payments").id("fake")
            .address("127.0.0.1").port(9).build()))
            .isExactlyInstanceOf(RosterException.class)
            .hasMessageContaining("refusing to register under service node /services/payments")
            .hasMessageContaining("sasl:payments")
            .hasMessageContaining("sasl:orders");
        // Its own service is its own.
        orders.register(ServiceInstance.builder("orders").id("o1").address("127.0.0.1").port(9).build());
        assertThat(acl("/services/orders")).contains(new ACL(Perms.ALL, new Id("sasl", "orders")));
      }
      assertThat(view.instances()).containsExactly(p1);
    }
  }

  @Test
  void aRefusedLoginFailsTheBuildNamingTheContext() {
    // A refusal not waited for would let build() succeed; one waited for past the timeout
    // would fail without naming it.
    assertThatThrownBy(() -> roster(Authentication.sasl("RosterSaslITWrong")))
        .isExactlyInstanceOf(RosterException.class)
        .hasMessageContaining("could not connect to ZooKeeper at " + sasl.connectString())
        .hasMessageContaining("the servers refused the SASL login of JAAS context 'RosterSaslITWrong'")
        .hasMessageContaining("user and password");
  }

  @Test
  void aLoginContextTheJvmDoesNotHaveIsAClearError() {
    assertThatThrownBy(() -> roster(Authentication.sasl("NoSuchContext")))
        .isExactlyInstanceOf(RosterException.class)
        .hasMessageContaining("sasl login context 'NoSuchContext': the JVM's JAAS configuration has no such section");
  }

  @Test
  void digestMd5InZooKeepersFipsModeIsAClearErrorNamingTheSwitch() {
    String before = System.getProperty(FIPS);
    System.clearProperty(FIPS);
    try {
      assertThatThrownBy(() -> roster(Authentication.sasl(CONTEXT)))
          .isExactlyInstanceOf(RosterException.class)
          .hasMessageContaining("sasl login context '" + CONTEXT + "' logs in with DIGEST-MD5")
          .hasMessageContaining("-Dzookeeper.fips-mode=false");
    } finally {
      if (before != null) {
        System.setProperty(FIPS, before);
      }
    }
  }

  private static Roster roster(Authentication authentication) {
    return Roster.builder().connectString(sasl.connectString()).sessionTimeout(SESSION)
        .connectionTimeout(CONNECT).authentication(authentication)
        .aclPolicy(AclPolicy.serviceOwned()).build();
  }

  /** A node's ACL, read by an unauthenticated client (world may read). */
  private static List<ACL> acl(String path) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(sasl.connectString(), (int) SESSION.toMillis(), e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    try {
      assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
      return zk.getACL(path, null);
    } finally {
      zk.close();
    }
  }
}
