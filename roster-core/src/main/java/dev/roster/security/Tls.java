package dev.roster.security;

import dev.roster.internal.SecurityAccess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A TLS connection to ZooKeeper, configured for one Roster only (never through JVM-wide system
 * properties, so two Rosters with different settings coexist in one JVM). There is no
 * plaintext fallback: a Roster with {@code Tls} connects encrypted or not at all, and a
 * certificate problem (unknown CA, expired, wrong host name) fails {@code build()} within the
 * connection timeout with a message that names it.
 *
 * <pre>{@code
 * Tls tls = Tls.builder()
 *     .trustStore(Path.of("ca.p12"), Secrets.fromFile(Path.of("/run/secrets/trust")))
 *     .keyStore(Path.of("client.p12"), Secrets.fromEnvironment("ROSTER_KEY_PASSWORD")) // x509 identity
 *     .build();
 * }</pre>
 *
 * <p>Stores are PKCS12 or JKS, told apart by their content. They are opened when {@link
 * Builder#build()} runs, so a wrong path, password or type fails there and names the store.
 * Passwords are copied and never appear in {@link #toString()}, logs or messages. Immutable.
 */
public final class Tls {
  static {
    SecurityAccess.setTlsPasswords(t -> ((Tls) t).trustPassword.clone(),
        t -> ((Tls) t).keyPassword == null ? null : ((Tls) t).keyPassword.clone());
  }

  private final Path trustStore;
  private final String trustStoreType;
  private final char[] trustPassword;
  private final @Nullable Path keyStore;
  private final @Nullable String keyStoreType;
  private final char @Nullable [] keyPassword;
  private final @Nullable String clientSubject;
  private final boolean hostnameVerification;

  private Tls(Builder b, String trustType, @Nullable String keyType, @Nullable String subject) {
    this.trustStore = b.trustStore;
    this.trustStoreType = trustType;
    this.trustPassword = b.trustPassword;
    this.keyStore = b.keyStore;
    this.keyStoreType = keyType;
    this.keyPassword = b.keyPassword;
    this.clientSubject = subject;
    this.hostnameVerification = b.hostnameVerification;
  }

  /**
   * Starts a TLS configuration; a trust store is required.
   *
   * @return a builder with hostname verification on and no stores
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The trust store: the CAs whose server certificates this Roster accepts.
   *
   * @return the trust store's path
   */
  public Path trustStore() {
    return trustStore;
  }

  /**
   * {@code PKCS12} or {@code JKS}.
   *
   * @return the trust store's type, as found in its content
   */
  public String trustStoreType() {
    return trustStoreType;
  }

  /**
   * The key store holding this Roster's client certificate, or null without one.
   *
   * @return the key store's path, or null without one
   */
  public @Nullable Path keyStore() {
    return keyStore;
  }

  /**
   * {@code PKCS12} or {@code JKS}; null without a key store.
   *
   * @return the key store's type, or null without a key store
   */
  public @Nullable String keyStoreType() {
    return keyStoreType;
  }

  /**
   * The client certificate's subject (RFC 2253), which ZooKeeper's x509 provider takes as the
   * identity; null without a key store.
   *
   * @return the client certificate's subject, or null without a key store
   */
  public @Nullable String clientSubject() {
    return clientSubject;
  }

  /**
   * The client certificate's identity as an ACL id, {@code x509:<subject>}; null without a key
   * store.
   *
   * @return the ACL id, or null without a key store
   */
  public @Nullable String x509AclId() {
    return clientSubject == null ? null : "x509:" + clientSubject;
  }

  /**
   * Whether the server's certificate must name the host connected to; default true.
   *
   * @return whether the server's host name is verified
   */
  public boolean hostnameVerification() {
    return hostnameVerification;
  }

  @Override
  public String toString() {
    return "Tls[trust " + trustStore + (keyStore != null ? ", key " + keyStore + " (" + clientSubject + ")" : "")
        + (hostnameVerification ? "" : ", no hostname verification") + "]";
  }

  /** Builds a {@link Tls}; each setter checks its argument, {@link #build()} opens the stores. */
  public static final class Builder {
    private @Nullable Path trustStore;
    private char[] trustPassword = new char[0];
    private @Nullable Path keyStore;
    private char @Nullable [] keyPassword;
    private boolean hostnameVerification = true;

    private Builder() {}

    /**
     * The CAs to trust, PKCS12 or JKS; the password is copied. Required.
     *
     * @param path the trust store file
     * @param password the trust store's password; empty for none
     * @return this builder
     */
    public Builder trustStore(Path path, char[] password) {
      this.trustStore = Objects.requireNonNull(path, "trust store");
      this.trustPassword = Objects.requireNonNull(password, "trust store password").clone();
      return this;
    }

    /**
     * This Roster's client certificate and key, PKCS12 or JKS, for servers that require one
     * and for x509 authentication; the password is copied (it opens the store and its key).
     *
     * @param path the key store file
     * @param password the password of the key store and its key
     * @return this builder
     */
    public Builder keyStore(Path path, char[] password) {
      this.keyStore = Objects.requireNonNull(path, "key store");
      this.keyPassword = Objects.requireNonNull(password, "key store password").clone();
      return this;
    }

    /**
     * Whether the server's certificate must name the host (or IP address) connected to;
     * default true. Turn it off only where names cannot match, such as behind a proxy.
     *
     * @param verify true to check the server's certificate against the host name
     * @return this builder
     */
    public Builder hostnameVerification(boolean verify) {
      this.hostnameVerification = verify;
      return this;
    }

    /**
     * Opens the stores and returns the configuration.
     *
     * @return the configuration, with both stores checked
     * @throws IllegalArgumentException if no trust store was set, or a store cannot be read,
     *     its password is wrong, it is neither PKCS12 nor JKS, it holds no certificate (trust
     *     store) or no private key (key store); the message names the store
     */
    public Tls build() {
      if (trustStore == null) {
        throw new IllegalArgumentException("tls trust store: required (the CAs whose server certificates to accept)");
      }
      KeyStore trust = open("tls trust store", trustStore, trustPassword);
      try {
        boolean any = false;
        for (String alias : Collections.list(trust.aliases())) {
          any |= trust.isCertificateEntry(alias) || trust.getCertificate(alias) != null;
        }
        if (!any) {
          throw new IllegalArgumentException("tls trust store " + trustStore + ": holds no certificate");
        }
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("tls trust store " + trustStore + ": " + e.getMessage(), e);
      }
      String keyType = null;
      String subject = null;
      if (keyStore != null) {
        KeyStore keys = open("tls key store", keyStore, keyPassword);
        keyType = keys.getType().toUpperCase(Locale.ROOT);
        try {
          for (String alias : Collections.list(keys.aliases())) {
            if (keys.isKeyEntry(alias) && keys.getCertificate(alias) instanceof X509Certificate cert) {
              subject = cert.getSubjectX500Principal().getName();
              break;
            }
          }
        } catch (GeneralSecurityException e) {
          throw new IllegalArgumentException("tls key store " + keyStore + ": " + e.getMessage(), e);
        }
        if (subject == null) {
          throw new IllegalArgumentException("tls key store " + keyStore + ": holds no private key with an X.509 certificate");
        }
      }
      return new Tls(this, trust.getType().toUpperCase(Locale.ROOT), keyType, subject);
    }

    /**
     * JKS first for a file that starts with JKS's magic number, else PKCS12 first. The JDK's
     * PKCS12 and JKS implementations each read the other's files too, so the first type that
     * opens a store is not proof of its format; the magic number is.
     */
    private static String[] typesToTry(Path path) {
      byte[] head = new byte[4];
      try (InputStream in = Files.newInputStream(path)) {
        int read = in.readNBytes(head, 0, 4);
        if (read == 4 && (head[0] & 0xff) == 0xfe && (head[1] & 0xff) == 0xed
            && (head[2] & 0xff) == 0xfe && (head[3] & 0xff) == 0xed) {
          return new String[] {"JKS", "PKCS12"};
        }
      } catch (IOException e) {
        // Reported by the attempts to open it.
      }
      return new String[] {"PKCS12", "JKS"};
    }

    /** Opens a store as PKCS12 or JKS, whichever its content is, not its name. */
    private static KeyStore open(String field, Path path, char[] password) {
      if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
        throw new IllegalArgumentException(field + " " + path + ": not a readable file");
      }
      Exception first = null;
      for (String type : typesToTry(path)) {
        try (InputStream in = Files.newInputStream(path)) {
          KeyStore store = KeyStore.getInstance(type);
          store.load(in, password);
          return store;
        } catch (IOException | GeneralSecurityException e) {
          if (e.getCause() instanceof java.security.UnrecoverableKeyException
              || (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("password"))) {
            throw new IllegalArgumentException(field + " " + path + ": wrong password", e);
          }
          first = first == null ? e : first;
        }
      }
      throw new IllegalArgumentException(field + " " + path + ": not a PKCS12 or JKS store ("
          + (first == null ? "unreadable" : first.getMessage()) + ")", first);
    }
  }
}
