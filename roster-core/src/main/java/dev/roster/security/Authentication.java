package dev.roster.security;

import dev.roster.RosterException;
import dev.roster.internal.SecurityAccess;
import dev.roster.internal.Validation;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import org.jspecify.annotations.Nullable;

/**
 * The identity a Roster's ZooKeeper session authenticates as. Every instance of one service
 * usually shares one identity ({@code payments}), and under {@link AclPolicy#serviceOwned()}
 * only that identity can add, change or remove the service's instances.
 *
 * <ul>
 *   <li>{@link #digest(String, char[])}: ZooKeeper's {@code digest} scheme, a user name and a
 *       password. The password crosses the network in clear unless the connection uses {@link
 *       Tls}; use both.
 *   <li>{@link #sasl()}: SASL (Kerberos or DIGEST-MD5) through the JAAS login context the JVM
 *       is configured with.
 *   <li>x509: no {@code Authentication} is needed; a {@link Tls.Builder#keyStore client
 *       certificate} is the identity, and the server maps its subject to the ACL id.
 * </ul>
 *
 * <p>Immutable. The password is copied when given, kept only to authenticate each new
 * session, and never appears in {@link #toString()}, logs or messages.
 */
public final class Authentication {
  static {
    SecurityAccess.setCredentials(a -> ((Authentication) a).credentials.clone());
  }

  private final String scheme;
  private final @Nullable String user;
  private final byte[] credentials;
  private final @Nullable String loginContext;
  private final @Nullable String aclId;

  private Authentication(String scheme, @Nullable String user, byte[] credentials,
      @Nullable String loginContext, @Nullable String aclId) {
    this.scheme = scheme;
    this.user = user;
    this.credentials = credentials;
    this.loginContext = loginContext;
    this.aclId = aclId;
  }

  /**
   * ZooKeeper's {@code digest} scheme. The server must accept it (it does by default).
   *
   * @param user the user name: 1–255 characters, no ':' (the scheme's separator), no spaces
   *     or control characters
   * @param password not empty; copied, so the caller may wipe its array afterwards
   * @return the digest identity
   * @throws IllegalArgumentException naming the field that is wrong
   */
  public static Authentication digest(String user, char[] password) {
    Objects.requireNonNull(user, "digest user");
    Objects.requireNonNull(password, "digest password");
    if (user.isEmpty() || user.length() > 255 || user.indexOf(':') >= 0
        || user.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new IllegalArgumentException("digest user " + Validation.quote(user)
          + ": must be 1-255 characters without ':', spaces or control characters");
    }
    if (password.length == 0) {
      throw new IllegalArgumentException("digest password for " + Validation.quote(user) + ": must not be empty");
    }
    byte[] pass = utf8(password);
    byte[] userColon = (user + ":").getBytes(StandardCharsets.UTF_8);
    byte[] credentials = new byte[userColon.length + pass.length];
    System.arraycopy(userColon, 0, credentials, 0, userColon.length);
    System.arraycopy(pass, 0, credentials, userColon.length, pass.length);
    Arrays.fill(pass, (byte) 0);
    return new Authentication("digest", user, credentials, null, "digest:" + user + ":" + sha1Base64(credentials));
  }

  /**
   * SASL through the JVM's JAAS configuration ({@code java.security.auth.login.config}), login
   * context {@code Client}, as ZooKeeper's own client uses it.
   *
   * @return the SASL identity of login context {@code Client}
   */
  public static Authentication sasl() {
    return sasl("Client");
  }

  /**
   * SASL through the named JAAS login context.
   *
   * <p>Kerberos ({@code Krb5LoginModule}) works as it is. DIGEST-MD5 (ZooKeeper's {@code
   * DigestLoginModule}) needs {@code -Dzookeeper.fips-mode=false}: ZooKeeper 3.9's client
   * refuses it in FIPS mode, its default. {@code Roster.Builder.build()} fails at once, saying
   * so, when the context is missing, when it is DIGEST-MD5 in FIPS mode, and when the servers
   * refuse the login.
   *
   * @param loginContext the JAAS login context's name; not blank
   * @return the SASL identity
   */
  public static Authentication sasl(String loginContext) {
    Objects.requireNonNull(loginContext, "sasl login context");
    if (loginContext.isBlank()) {
      throw new IllegalArgumentException("sasl login context " + Validation.quote(loginContext) + ": must not be blank");
    }
    return new Authentication("sasl", null, new byte[0], loginContext, null);
  }

  /** ZooKeeper's login module for DIGEST-MD5: a JAAS context using it logs in with that mechanism. */
  private static final String DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";
  /** ZooKeeper's FIPS switch ({@code X509Util.FIPS_MODE_PROPERTY}); its client copies it from here. */
  private static final String FIPS_MODE = "zookeeper.fips-mode";

  /**
   * Checks what can be checked of a SASL identity in this JVM before connecting; a digest
   * identity passes. ZooKeeper's own client would otherwise try SASL and report only "auth
   * failed", or, without the login context, connect with no identity at all. {@code
   * Roster.Builder.build()} checks this itself; a tool that makes its own ZooKeeper client can
   * call it.
   *
   * <p>Refused: a login context the JVM's JAAS configuration does not have, and a DIGEST-MD5
   * context ({@code DigestLoginModule}) while ZooKeeper's client is in FIPS mode, its default
   * since 3.9, where it refuses DIGEST-MD5. Roster does not turn FIPS mode off for you: it is a
   * security default, and it also picks ZooKeeper's TLS trust manager.
   *
   * @throws RosterException naming the login context and what to change
   */
  public void checkLogin() {
    if (!scheme.equals("sasl") || loginContext == null) {
      return;
    }
    AppConfigurationEntry[] entries;
    try {
      entries = Configuration.getConfiguration().getAppConfigurationEntry(loginContext);
    } catch (SecurityException e) {
      entries = null;
    }
    if (entries == null || entries.length == 0) {
      String file = System.getProperty("java.security.auth.login.config");
      throw new RosterException("sasl login context '" + loginContext + "': the JVM's JAAS configuration has no"
          + " such section (" + (file == null ? "java.security.auth.login.config is not set" : "read from " + file)
          + ")");
    }
    boolean digest = false;
    for (AppConfigurationEntry entry : entries) {
      digest |= entry.getLoginModuleName().equals(DIGEST_LOGIN_MODULE);
    }
    if (digest && !"false".equalsIgnoreCase(System.getProperty(FIPS_MODE, "true").strip())) {
      throw new RosterException("sasl login context '" + loginContext + "' logs in with DIGEST-MD5 ("
          + DIGEST_LOGIN_MODULE + "), which ZooKeeper's client refuses in FIPS mode, its default: start the JVM"
          + " with -D" + FIPS_MODE + "=false, or log in with Kerberos");
    }
  }

  /**
   * The ACL id a digest identity has on the server, {@code digest:user:base64(sha1(user:password))}:
   * what an operator names as a service's owner or a reader (see {@link AclPolicy#locked}).
   *
   * @param user the user name, as for {@link #digest}
   * @param password the password, as for {@link #digest}; copied
   * @return the ACL id, such as {@code digest:orders:<base64 sha1>}
   */
  public static String digestAclId(String user, char[] password) {
    return digest(user, password).aclId();
  }

  /**
   * {@code digest} or {@code sasl}.
   *
   * @return the authentication scheme
   */
  public String scheme() {
    return scheme;
  }

  /**
   * The digest user name; null for SASL, whose name the server learns from the login.
   *
   * @return the user name, or null for SASL
   */
  public @Nullable String user() {
    return user;
  }

  /**
   * The JAAS login context of a SASL identity; null for digest.
   *
   * @return the login context, or null for digest
   */
  public @Nullable String loginContext() {
    return loginContext;
  }

  /**
   * This identity as an ACL id, {@code digest:user:hash}; null for SASL, whose id the server
   * derives from the login (Roster asks the server once per session).
   *
   * @return the ACL id, or null for SASL
   */
  public @Nullable String aclId() {
    return aclId;
  }

  @Override
  public String toString() {
    return user != null ? scheme + ":" + user : scheme + "(" + loginContext + ")";
  }

  private static byte[] utf8(char[] chars) {
    ByteBuffer buffer = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    if (buffer.hasArray()) {
      Arrays.fill(buffer.array(), (byte) 0);
    }
    return bytes;
  }

  private static String sha1Base64(byte[] bytes) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-1, which ZooKeeper's digest scheme needs", e);
    }
  }
}
