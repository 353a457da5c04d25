package dev.roster.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/** ACLs in one written form, {@code scheme:id=cdrwa}, as zkCli's letters and Roster's messages spell them. */
final class Acls {
  private Acls() {}

  /** {@code [digest:payments:…=cdrwa, world:anyone=r]}. */
  static String text(List<ACL> acl) {
    return acl.stream().map(Acls::text).collect(Collectors.joining(", ", "[", "]"));
  }

  static String text(ACL acl) {
    return acl.getId().getScheme() + ":" + acl.getId().getId() + "=" + perms(acl.getPerms());
  }

  /** {@code cdrwa}, in zkCli's order, for the permissions held. */
  static String perms(int perms) {
    StringBuilder s = new StringBuilder();
    if ((perms & Perms.CREATE) != 0) {
      s.append('c');
    }
    if ((perms & Perms.DELETE) != 0) {
      s.append('d');
    }
    if ((perms & Perms.READ) != 0) {
      s.append('r');
    }
    if ((perms & Perms.WRITE) != 0) {
      s.append('w');
    }
    if ((perms & Perms.ADMIN) != 0) {
      s.append('a');
    }
    return s.length() == 0 ? "-" : s.toString();
  }

  /** {@code scheme:id}, already checked by {@code AclPolicy}'s rules. */
  static Id id(String aclId) {
    int colon = aclId.indexOf(':');
    return new Id(aclId.substring(0, colon), aclId.substring(colon + 1));
  }

  /**
   * What a service owned by {@code owner} carries: the owner and the admins everything, and
   * either everyone (open to read) or only the readers read.
   */
  static List<ACL> service(String owner, List<String> admins, List<String> readers, boolean locked) {
    List<ACL> acl = new ArrayList<>();
    acl.add(new ACL(Perms.ALL, id(owner)));
    for (String admin : admins) {
      acl.add(new ACL(Perms.ALL, id(admin)));
    }
    if (locked) {
      for (String reader : readers) {
        acl.add(new ACL(Perms.READ, id(reader)));
      }
    } else {
      acl.add(new ACL(Perms.READ, new Id("world", "anyone")));
    }
    return acl;
  }
}
