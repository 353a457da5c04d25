package dev.roster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import java.util.List;
import java.util.Set;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.Test;

/** The squatter check's verdict and the ACLs of each policy, without a server. */
class OwnershipTest {
  private static final Id PAYMENTS = Security.id(Authentication.digestAclId("payments", "p".toCharArray()));
  private static final Id OTHER_PASSWORD = Security.id(Authentication.digestAclId("payments", "q".toCharArray()));
  private static final Id MALLORY = Security.id(Authentication.digestAclId("mallory", "m".toCharArray()));
  private static final String ADMIN = Authentication.digestAclId("admin", "a".toCharArray());
  private static final Id ANYONE = ZooDefs.Ids.ANYONE_ID_UNSAFE;

  @Test
  void ourOwnAclPasses() {
    assertThat(Ownership.whyNotOurs(List.of(new ACL(Perms.ALL, PAYMENTS), new ACL(Perms.READ, ANYONE)),
        Set.of(PAYMENTS), List.of())).isNull();
    // Admins may hold any permission; readers may read.
    assertThat(Ownership.whyNotOurs(List.of(new ACL(Perms.ALL, PAYMENTS), new ACL(Perms.ALL, Security.id(ADMIN)),
        new ACL(Perms.READ, MALLORY)), Set.of(PAYMENTS), List.of(ADMIN))).isNull();
  }

  @Test
  void anAclWithoutUsOrGivingWritesToOthersIsRefused() {
    assertThat(Ownership.whyNotOurs(List.of(new ACL(Perms.ALL, MALLORY), new ACL(Perms.READ, ANYONE)),
        Set.of(PAYMENTS), List.of()))
        .isEqualTo("does not give this Roster's identity all permissions, and gives create, delete, write, admin"
            + " to digest:mallory:… (neither this identity nor an admin)");
    // Curator's and open()'s world:anyone=cdrwa is not ours either.
    assertThat(Ownership.whyNotOurs(ZooDefs.Ids.OPEN_ACL_UNSAFE, Set.of(PAYMENTS), List.of()))
        .isEqualTo("does not give this Roster's identity all permissions, and gives create, delete, write, admin"
            + " to world:anyone (neither this identity nor an admin)");
    assertThat(Ownership.whyNotOurs(List.of(new ACL(Perms.ALL, PAYMENTS), new ACL(Perms.CREATE, ANYONE)),
        Set.of(PAYMENTS), List.of()))
        .isEqualTo("gives create to world:anyone (neither this identity nor an admin)");
    // Read and write but not admin: not all permissions.
    assertThat(Ownership.whyNotOurs(List.of(new ACL(Perms.ALL & ~Perms.ADMIN, PAYMENTS)), Set.of(PAYMENTS),
        List.of())).isEqualTo("does not give this Roster's identity all permissions");
  }

  @Test
  void aHiddenHashOfAnAdminIsNotComplainedOf() {
    // As a refused owner reads a node re-ACLed for mallory, with an admin kept.
    assertThat(Ownership.whyNotOurs(List.of(new ACL(Perms.ALL, new Id("digest", "mallory:x")),
        new ACL(Perms.ALL, new Id("digest", "admin:x"))), Set.of(PAYMENTS), List.of(ADMIN)))
        .isEqualTo("does not give this Roster's identity all permissions, and gives create, delete, write, admin"
            + " to digest:mallory:… (neither this identity nor an admin)");
  }

  @Test
  void messagesLeaveDigestHashesOut() {
    String shown = Ownership.format(List.of(new ACL(Perms.ALL, OTHER_PASSWORD), new ACL(Perms.READ, ANYONE),
        new ACL(Perms.ALL, new Id("digest", "payments:x"))), Set.of(PAYMENTS));
    assertThat(shown).isEqualTo("[digest:payments:… (this user name with another password)=cdrwa,"
        + " world:anyone=r, digest:payments:…=cdrwa]");
    assertThat(Ownership.formatIds(List.of(PAYMENTS))).isEqualTo("[digest:payments:…]");
    assertThat(Ownership.formatIds(List.of())).isEqualTo("[] (no authenticated identity)");
  }

  @Test
  void eachPolicyHasItsAcls() {
    assertThat(Security.acl(AclPolicy.open())).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    assertThat(Security.directoryAcl(AclPolicy.open())).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
    assertThat(Security.acl(AclPolicy.serviceOwned()))
        .containsExactly(new ACL(Perms.ALL, ZooDefs.Ids.AUTH_IDS), new ACL(Perms.READ, ANYONE));
    assertThat(Security.directoryAcl(AclPolicy.serviceOwned()))
        .containsExactly(new ACL(Perms.ALL, ZooDefs.Ids.AUTH_IDS), new ACL(Perms.READ | Perms.CREATE, ANYONE));
    String reader = Authentication.digestAclId("reader", "r".toCharArray());
    AclPolicy locked = AclPolicy.locked(reader).withAdmins(ADMIN);
    assertThat(Security.acl(locked)).containsExactly(new ACL(Perms.ALL, ZooDefs.Ids.AUTH_IDS),
        new ACL(Perms.ALL, Security.id(ADMIN)), new ACL(Perms.READ, Security.id(reader)));
    assertThat(Security.directoryAcl(locked)).containsExactly(new ACL(Perms.ALL, ZooDefs.Ids.AUTH_IDS),
        new ACL(Perms.ALL, Security.id(ADMIN)), new ACL(Perms.READ | Perms.CREATE, Security.id(reader)));
    assertThat(Security.acl(locked).contains(null)).isFalse(); // ZooKeeper's synchronous calls ask
  }

  @Test
  void permissionsReadAsTheShellWritesThem() {
    assertThat(Ownership.perms(Perms.ALL)).isEqualTo("cdrwa");
    assertThat(Ownership.perms(Perms.READ | Perms.CREATE)).isEqualTo("cr");
    assertThat(Ownership.perms(0)).isEqualTo("none");
  }
}
