package dev.roster.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How an {@link EmbeddedZooKeeper} serves TLS: its own key and certificate, the CAs whose client
 * certificates it accepts, and whether it asks clients for one. A server built with {@link
 * EmbeddedZooKeeper.Builder#tls(ServerTls)} speaks TLS only, on its one port.
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.builder()
 *     .keyStore(Path.of("server.p12"), keyPassword)
 *     .trustStore(Path.of("ca.p12"), trustPassword)
 *     .clientAuth(ServerTls.ClientAuth.NEED)
 *     .build();
 * }</pre>
 *
 * <p>A client certificate the server accepts also authenticates the session: its subject, in RFC
 * 2253 form, becomes the session's {@code x509} identity, which ACLs can name as {@code
 * x509:CN=...}.
 *
 * <p>Stores are PKCS12 or JKS, told apart by their content, and are opened by {@link
 * Builder#build()}, so a wrong path, password or type fails there and names the store. Passwords
 * are copied and appear in no message and no {@link #toString()}. Immutable.
 */
public final class ServerTls {
  /** Whether the server asks connecting clients for a certificate. */
  public enum ClientAuth {
    /** Never asks; every session starts unauthenticated. */
    NONE,
    /**
     * Asks; a client without a certificate the trust store vouches for still connects, but its
     * session has no {@code x509} identity.
     */
    WANT,
    /** Requires a certificate the trust store vouches for; other clients do not get past the handshake. */
    NEED;

    /** The value of ZooKeeper's {@code ssl.clientAuth} setting. */
    String zooKeeperValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Path keyStore;
  private final String keyStoreType;
  private final char[] keyPassword;
  private final @Nullable Path trustStore;
  private final @Nullable String trustStoreType;
  private final char @Nullable [] trustPassword;
  private final ClientAuth clientAuth;

  private ServerTls(Builder b, String keyStoreType, @Nullable String trustStoreType) {
    this.keyStore = b.keyStore;
    this.keyStoreType = keyStoreType;
    this.keyPassword = b.keyPassword;
    this.trustStore = b.trustStore;
    this.trustStoreType = trustStoreType;
    this.trustPassword = b.trustPassword;
    this.clientAuth = b.clientAuth;
  }

  /**
   * Starts a TLS configuration; a key store is required, and a trust store unless clients are
   * never asked for a certificate.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the store holding the server's key and certificate chain.
   *
   * @return the key store's path
   */
  public Path keyStore() {
    return keyStore;
  }

  /**
   * Returns the key store's type.
   *
   * @return {@code PKCS12} or {@code JKS}
   */
  public String keyStoreType() {
    return keyStoreType;
  }

  /**
   * Returns the store of CAs whose client certificates the server accepts.
   *
   * @return its path, or null when clients are not asked for certificates
   */
  public @Nullable Path trustStore() {
    return trustStore;
  }

  /**
   * Returns the trust store's type.
   *
   * @return {@code PKCS12} or {@code JKS}; null without a trust store
   */
  public @Nullable String trustStoreType() {
    return trustStoreType;
  }

  /**
   * Returns whether clients are asked for a certificate.
   *
   * @return the client authentication mode; {@link ClientAuth#WANT} unless set
   */
  public ClientAuth clientAuth() {
    return clientAuth;
  }

  /** A copy of the key store's password, for the server's configuration only. */
  char[] keyPassword() {
    return keyPassword.clone();
  }

  /** A copy of the trust store's password; null without a trust store. */
  char @Nullable [] trustPassword() {
    return trustPassword == null ? null : trustPassword.clone();
  }

  @Override
  public String toString() {
    return "ServerTls[key " + keyStore + (trustStore != null ? ", trust " + trustStore : "")
        + ", client auth " + clientAuth.zooKeeperValue() + "]";
  }

  /** Builds a {@link ServerTls}; {@link #build()} opens and checks the stores. */
  public static final class Builder {
    private @Nullable Path keyStore;
    private char[] keyPassword = new char[0];
    private @Nullable Path trustStore;
    private char @Nullable [] trustPassword;
    private ClientAuth clientAuth = ClientAuth.WANT;

    private Builder() {}

    /**
     * Sets the server's key and certificate chain, PKCS12 or JKS. The certificate should name
     * the address clients connect to ({@code 127.0.0.1}) among its subject alternative names.
     * Required.
     *
     * @param path the store
     * @param password opens the store and its key; copied
     * @return this builder
     */
    public Builder keyStore(Path path, char[] password) {
      this.keyStore = Objects.requireNonNull(path, "key store");
      this.keyPassword = Objects.requireNonNull(password, "key store password").clone();
      return this;
    }

    /**
     * Sets the CAs whose client certificates the server accepts, PKCS12 or JKS. Required
     * unless {@link #clientAuth} is {@link ClientAuth#NONE}.
     *
     * @param path the store
     * @param password opens the store; copied
     * @return this builder
     */
    public Builder trustStore(Path path, char[] password) {
      this.trustStore = Objects.requireNonNull(path, "trust store");
      this.trustPassword = Objects.requireNonNull(password, "trust store password").clone();
      return this;
    }

    /**
     * Sets whether clients are asked for a certificate. The default is {@link ClientAuth#WANT},
     * so that clients with only a trust store connect too (ZooKeeper's own default is {@code
     * need}).
     *
     * @param clientAuth the mode
     * @return this builder
     */
    public Builder clientAuth(ClientAuth clientAuth) {
      this.clientAuth = Objects.requireNonNull(clientAuth, "client auth");
      return this;
    }

    /**
     * Opens the stores and returns the configuration.
     *
     * @return the configuration
     * @throws IllegalArgumentException if the key store is missing, or a trust store is missing
     *     while clients are asked for certificates, or a store cannot be read, its password is
     *     wrong, it is neither PKCS12 nor JKS, the key store holds no private key or the trust
     *     store no certificate; the message names the store
     */
    public ServerTls build() {
      if (keyStore == null) {
        throw new IllegalArgumentException("tls key store: required (the server's key and certificate)");
      }
      KeyStore keys = open("tls key store", keyStore, keyPassword);
      if (!holds(keys, true)) {
        throw new IllegalArgumentException("tls key store " + keyStore + ": holds no private key");
      }
      String trustType = null;
      if (trustStore != null) {
        KeyStore trust = open("tls trust store", trustStore, trustPassword);
        if (!holds(trust, false)) {
          throw new IllegalArgumentException("tls trust store " + trustStore + ": holds no certificate");
        }
        trustType = trust.getType().toUpperCase(Locale.ROOT);
      } else if (clientAuth != ClientAuth.NONE) {
        throw new IllegalArgumentException("tls trust store: required with client auth "
            + clientAuth.zooKeeperValue() + " (the CAs whose client certificates to accept)");
      }
      return new ServerTls(this, keys.getType().toUpperCase(Locale.ROOT), trustType);
    }

    private static boolean holds(KeyStore store, boolean key) {
      try {
        for (String alias : Collections.list(store.aliases())) {
          if (key ? store.isKeyEntry(alias) : store.getCertificate(alias) != null) {
            return true;
          }
        }
        return false;
      } catch (GeneralSecurityException e) {
        return false;
      }
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
          // A store of the right type opened with the wrong password fails its integrity check.
          if (e.getCause() instanceof UnrecoverableKeyException
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
