package dev.roster.internal;

import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import dev.roster.security.Tls;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.jspecify.annotations.Nullable;

/**
 * Turns a Roster's security settings into ZooKeeper's terms: the client configuration of its
 * one session (TLS, SASL), the identity it authenticates as, and the ACL of every node it
 * creates.
 */
final class Security {
  /** The prefix of ZooKeeper's client TLS keys ({@code ClientX509Util.getConfigPrefix()}). */
  private static final String SSL = "zookeeper.ssl.";

  private Security() {}

  /**
   * Configures the Curator client. The {@link ZKClientConfig} is this Roster's own: ZooKeeper
   * reads TLS and SASL settings from it rather than from system properties, so Rosters with
   * different settings coexist in one JVM.
   */
  static void configure(CuratorFrameworkFactory.Builder builder, RosterConfig config) throws Exception {
    ZKClientConfig client = new ZKClientConfig();
    Authentication auth = config.authentication();
    boolean sasl = auth != null && auth.scheme().equals("sasl");
    // Off unless asked for: a JVM-wide JAAS file meant for another client must not make this
    // one try SASL (and, failing, connect unauthenticated).
    client.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, Boolean.toString(sasl));
    if (sasl) {
      client.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, auth.loginContext());
      auth.checkLogin();
    }
    Tls tls = config.tls();
    if (tls != null) {
      tls(client, tls);
    }
    builder.zkClientConfig(client);
    if (auth != null && auth.scheme().equals("digest")) {
      builder.authorization("digest", SecurityAccess.credentials(auth));
    }
  }

  /**
   * The TLS keys of ZooKeeper's client ({@code ClientCnxnSocketNetty} reads them from this
   * config through {@code ClientX509Util}, not from system properties). Every key naming a store
   * or a password file is set, empty when unused, because ZKClientConfig starts from a copy of
   * the system properties: a JVM-wide {@code zookeeper.ssl.keyStore.location} meant for another
   * client must not become this Roster's certificate. Passwords sit only in this config, whose
   * keys ending in "password" ZooKeeper redacts when it logs a change.
   */
  private static void tls(ZKClientConfig client, Tls tls) {
    client.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
    client.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
    client.setProperty(SSL + "trustStore.location", tls.trustStore().toString());
    client.setProperty(SSL + "trustStore.password", new String(SecurityAccess.trustPassword(tls)));
    client.setProperty(SSL + "trustStore.passwordPath", "");
    client.setProperty(SSL + "trustStore.type", tls.trustStoreType());
    boolean key = tls.keyStore() != null;
    client.setProperty(SSL + "keyStore.location", key ? tls.keyStore().toString() : "");
    client.setProperty(SSL + "keyStore.password", key ? new String(SecurityAccess.keyPassword(tls)) : "");
    client.setProperty(SSL + "keyStore.passwordPath", "");
    if (key) {
      client.setProperty(SSL + "keyStore.type", tls.keyStoreType());
    }
    client.setProperty(SSL + "hostnameVerification", Boolean.toString(tls.hostnameVerification()));
    // ZooKeeper's default, set so that no JVM-wide setting turns it on: a name from a reverse
    // lookup is the attacker's to choose (CVE-2026-24281).
    client.setProperty(SSL + "allowReverseDnsLookup", "false");
  }

  /** True when this Roster's session carries an identity: an {@link Authentication} or a client certificate. */
  static boolean hasIdentity(@Nullable Authentication auth, @Nullable Tls tls) {
    return auth != null || (tls != null && tls.keyStore() != null);
  }

  /** The ACL of every node created under {@code policy}. */
  static List<ACL> acl(AclPolicy policy) {
    if (!policy.owned()) {
      return ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }
    List<ACL> acl = new ArrayList<>();
    // "auth" stands for every identity the creating session has authenticated as.
    acl.add(new ACL(Perms.ALL, ZooDefs.Ids.AUTH_IDS));
    for (String admin : policy.admins()) {
      acl.add(new ACL(Perms.ALL, id(admin)));
    }
    if (policy.worldReadable()) {
      acl.add(new ACL(Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    } else {
      for (String reader : policy.readers()) {
        acl.add(new ACL(Perms.READ, id(reader)));
      }
    }
    // Not List.copyOf: ZooKeeper's synchronous calls ask the list whether it holds null.
    return Collections.unmodifiableList(acl);
  }

  /**
   * The ACL of the base path and its ancestors, when Roster creates them: as {@link #acl},
   * but whoever may read may also create, so that any identity (any reader, when {@code
   * locked}) can start a new service. See {@link Ownership} for why that is safe.
   */
  static List<ACL> directoryAcl(AclPolicy policy) {
    if (!policy.owned()) {
      return ZooDefs.Ids.OPEN_ACL_UNSAFE;
    }
    List<ACL> acl = new ArrayList<>();
    for (ACL a : acl(policy)) {
      acl.add(a.getPerms() == Perms.READ ? new ACL(Perms.READ | Perms.CREATE, a.getId()) : a);
    }
    return Collections.unmodifiableList(acl);
  }

  /** {@code scheme:id} as checked by {@link AclPolicy}. */
  static Id id(String aclId) {
    int colon = aclId.indexOf(':');
    return new Id(aclId.substring(0, colon), aclId.substring(colon + 1));
  }
}
