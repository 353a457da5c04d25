package dev.roster.cli;

import dev.roster.Roster;
import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import dev.roster.security.Secrets;
import dev.roster.security.Tls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import picocli.CommandLine.Option;

/**
 * Who the client commands are to ZooKeeper, and how they reach it: {@code --auth}, {@code
 * --tls-trust}, {@code --tls-key}, {@code --acl}. Passwords come from a file or an environment
 * variable, never from the command line, where any user of the machine sees them in the
 * process list; no message ever contains one.
 */
final class ZooKeeperSecurity {
  static final String PASSWORD_ENV = "ROSTER_PASSWORD";
  static final String TRUST_PASSWORD_ENV = "ROSTER_TLS_TRUST_PASSWORD";
  static final String KEY_PASSWORD_ENV = "ROSTER_TLS_KEY_PASSWORD";

  @Option(
      names = "--auth",
      paramLabel = "digest:USER|sasl[:CONTEXT]",
      description = "Authenticate to ZooKeeper: digest with the password from --password-file or $"
          + PASSWORD_ENV + ", or SASL through the JVM's JAAS login context (default Client).")
  String auth;

  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "The digest password, in a file (one trailing newline is ignored).")
  Path passwordFile;

  @Option(
      names = "--tls-trust",
      paramLabel = "STORE",
      description = "Connect over TLS only, trusting the CAs in this PKCS12 or JKS store; its password from "
          + "--tls-trust-password-file or $" + TRUST_PASSWORD_ENV + " (empty if neither).")
  Path trustStore;

  @Option(names = "--tls-trust-password-file", paramLabel = "FILE", description = "The trust store's password, in a file.")
  Path trustPasswordFile;

  @Option(
      names = "--tls-key",
      paramLabel = "STORE",
      description = "A client certificate and key (PKCS12 or JKS) for TLS, which is also an x509 identity; its "
          + "password from --tls-key-password-file or $" + KEY_PASSWORD_ENV + ".")
  Path keyStore;

  @Option(names = "--tls-key-password-file", paramLabel = "FILE", description = "The key store's password, in a file.")
  Path keyPasswordFile;

  @Option(
      names = "--tls-no-hostname-check",
      description = "Accept a server certificate that does not name the host connected to (behind a proxy).")
  boolean noHostnameCheck;

  @Option(
      names = "--acl",
      paramLabel = "open|owned|locked",
      description = "The ACL of nodes this command creates (default: owned when authenticated, else open).")
  String acl;

  @Option(
      names = "--acl-reader",
      paramLabel = "ID",
      description = "With --acl locked: an identity (scheme:id, see `roster whoami`) that may read. Repeatable.")
  List<String> readers = List.of();

  /** Sets the identity, TLS and ACL policy asked for on a Roster builder. */
  Roster.Builder apply(Roster.Builder builder) {
    Authentication authentication = authentication();
    if (authentication != null) {
      builder.authentication(authentication);
    }
    Tls tls = tls();
    if (tls != null) {
      builder.tls(tls);
    }
    AclPolicy policy = policy();
    if (policy != null) {
      builder.aclPolicy(policy);
    }
    return builder;
  }

  /** The {@code --auth} identity, or null. */
  Authentication authentication() {
    if (auth == null) {
      if (passwordFile != null) {
        throw new IllegalArgumentException("--password-file: only means something with --auth digest:USER");
      }
      return null;
    }
    if (auth.startsWith("digest:")) {
      return Authentication.digest(auth.substring("digest:".length()), password());
    }
    if (auth.equals("sasl")) {
      return Authentication.sasl();
    }
    if (auth.startsWith("sasl:")) {
      return Authentication.sasl(auth.substring("sasl:".length()));
    }
    throw new IllegalArgumentException("--auth '" + auth + "': expected digest:USER or sasl[:CONTEXT]");
  }

  /** The {@code --tls-*} settings, or null without {@code --tls-trust}. */
  Tls tls() {
    if (trustStore == null) {
      if (keyStore != null) {
        throw new IllegalArgumentException("--tls-key: needs --tls-trust, the CAs to check the server against");
      }
      return null;
    }
    Tls.Builder tls = Tls.builder()
        .trustStore(trustStore, secret("--tls-trust-password-file", trustPasswordFile, TRUST_PASSWORD_ENV, true))
        .hostnameVerification(!noHostnameCheck);
    if (keyStore != null) {
      tls.keyStore(keyStore, secret("--tls-key-password-file", keyPasswordFile, KEY_PASSWORD_ENV, true));
    }
    return tls.build();
  }

  /** The {@code --acl} policy, or null for the library's default. */
  AclPolicy policy() {
    if (acl == null) {
      if (!readers.isEmpty()) {
        throw new IllegalArgumentException("--acl-reader: only means something with --acl locked");
      }
      return null;
    }
    switch (acl.toLowerCase(Locale.ROOT)) {
      case "open":
        return AclPolicy.open();
      case "owned":
        return AclPolicy.serviceOwned();
      case "locked":
        return AclPolicy.locked(readers.toArray(String[]::new));
      default:
        throw new IllegalArgumentException("--acl '" + acl + "': expected open, owned or locked");
    }
  }

  /**
   * The client configuration for a plain ZooKeeper handle ({@link DirectZooKeeper}), from the
   * same options. The library keeps its mapping internal, so the command states the few
   * ZooKeeper keys it needs itself; the stores are opened through {@link Tls} first, so a bad
   * path or password fails the same way as for a Roster.
   */
  ZKClientConfig clientConfig() {
    if (auth != null && auth.startsWith("sasl")) {
      // ZooKeeper's client would otherwise connect with no identity when the JAAS context is
      // missing, or report only "auth failed" for DIGEST-MD5 in FIPS mode; Rosters check the same.
      authentication().checkLogin();
    }
    ZKClientConfig config = new ZKClientConfig();
    config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, Boolean.toString(auth != null && auth.startsWith("sasl")));
    if (auth != null && auth.startsWith("sasl:")) {
      config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, auth.substring("sasl:".length()));
    }
    Tls tls = tls();
    if (tls != null) {
      config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
      config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
      config.setProperty("zookeeper.ssl.trustStore.location", tls.trustStore().toString());
      config.setProperty("zookeeper.ssl.trustStore.password",
          new String(secret("--tls-trust-password-file", trustPasswordFile, TRUST_PASSWORD_ENV, true)));
      config.setProperty("zookeeper.ssl.trustStore.type", tls.trustStoreType());
      if (tls.keyStore() != null) {
        config.setProperty("zookeeper.ssl.keyStore.location", tls.keyStore().toString());
        config.setProperty("zookeeper.ssl.keyStore.password",
            new String(secret("--tls-key-password-file", keyPasswordFile, KEY_PASSWORD_ENV, true)));
        config.setProperty("zookeeper.ssl.keyStore.type", tls.keyStoreType());
      }
      config.setProperty("zookeeper.ssl.hostnameVerification", Boolean.toString(tls.hostnameVerification()));
    }
    return config;
  }

  /** Authenticates a plain handle as {@code --auth digest:USER} asks. */
  void addAuth(ZooKeeper zooKeeper) {
    if (auth != null && auth.startsWith("digest:")) {
      authentication(); // checks the user name the same way as for a Roster
      char[] password = password();
      byte[] credentials = (auth.substring("digest:".length()) + ":" + new String(password)).getBytes(StandardCharsets.UTF_8);
      Arrays.fill(password, '\0');
      // Not wiped: the client sends it later, and again on every reconnect.
      zooKeeper.addAuthInfo("digest", credentials);
    }
  }

  private char[] password() {
    return secret("--password-file", passwordFile, PASSWORD_ENV, false);
  }

  /** From the file if given, else the environment; empty only where {@code mayBeEmpty}. */
  private static char[] secret(String option, Path file, String env, boolean mayBeEmpty) {
    if (file != null) {
      try {
        return Secrets.fromFile(file);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
      }
    }
    String value = System.getenv(env);
    if (value != null && !value.isEmpty()) {
      return value.toCharArray();
    }
    if (mayBeEmpty) {
      return new char[0];
    }
    throw new IllegalArgumentException(option + ": the password is needed, from " + option + " FILE or $" + env
        + " (never on the command line)");
  }
}
