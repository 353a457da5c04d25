package dev.roster.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * TLS stores made at run time, so that no key is ever committed or shipped: a local CA, a
 * server certificate signed by it for 127.0.0.1 and localhost, and a client certificate, for
 * {@code roster up --tls} ({@link #forLocalServer}); and for tests ({@link #generate}) also
 * an expired server certificate, one for the wrong host, and an unrelated second CA with a
 * client certificate of its own.
 *
 * <pre>{@code
 * @TempDir static Path dir;
 * static LocalCertificates certs;
 *
 * @BeforeAll
 * static void certificates() {
 *   certs = LocalCertificates.generate(dir);
 * }
 * }</pre>
 *
 * <p>The keys are made by the JDK's own {@code keytool} (the one in {@code java.home}, with {@code
 * -signer}, so JDK 17 or later), one process per key pair, the two CAs and then the five leaves
 * side by side; the stores are then assembled with the {@link KeyStore} API. No library beyond
 * the JDK is needed. That takes a few seconds, so generate once per test class. Keys are EC P-256,
 * certificates are valid for two days (the expired one ended yesterday). Every store is PKCS12
 * except the two named JKS, and all of them share one random {@link #password()}.
 *
 * <p>Immutable; the files belong to the directory given, which the caller deletes.
 */
public final class LocalCertificates {
  /** The subject of the client certificate, in RFC 2253 form as ZooKeeper's x509 provider reads it. */
  public static final String CLIENT_SUBJECT = "CN=payments,OU=services,O=Roster Test";

  /** What the wrong-host certificate names instead of 127.0.0.1 and localhost. */
  public static final String WRONG_HOST = "wrong-host.invalid";

  private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);

  /** keytool reads the password from this variable of its environment, not from its command line. */
  private static final String PASSWORD_VARIABLE = "ROSTER_STORE_PASSWORD";

  /** The file of {@link #forLocalServer} that holds the stores' password. */
  public static final String PASSWORD_FILE = "password";

  private final Path dir;
  private final char[] password;
  private final boolean full;

  private LocalCertificates(Path dir, char[] password, boolean full) {
    this.dir = dir;
    this.password = password;
    this.full = full;
  }

  /**
   * The stores of a local server in {@code dir} (made if missing): the CA's trust store
   * ({@link #caTrustStore()}), the server's key store and a client key store, all under one
   * random password kept in {@code dir/password} (readable by its owner only, where the file
   * system allows), so that clients read it from there. Made once and reused, so clients keep
   * trusting a server that restarts on the same directory.
   *
   * @param dir the directory for the stores and the password file; created if missing
   * @return the stores in {@code dir}, reused when they are still valid tomorrow
   * @throws UncheckedIOException if a store or the password file cannot be written or read
   * @throws IllegalStateException if {@code keytool} fails
   */
  public static LocalCertificates forLocalServer(Path dir) {
    Objects.requireNonNull(dir, "dir");
    Path passwordFile = dir.resolve(PASSWORD_FILE);
    try {
      Files.createDirectories(dir);
      LocalCertificates existing;
      if (Files.isRegularFile(passwordFile)) {
        existing = new LocalCertificates(dir, Files.readString(passwordFile, StandardCharsets.UTF_8).strip().toCharArray(),
            false);
        if (Files.isRegularFile(existing.caTrustStore()) && Files.isRegularFile(existing.serverKeyStore())
            && Files.isRegularFile(existing.clientKeyStore()) && existing.serverValidTomorrow()) {
          return existing;
        }
      }
      byte[] random = new byte[12];
      new SecureRandom().nextBytes(random);
      LocalCertificates certs = new LocalCertificates(dir, HexFormat.of().formatHex(random).toCharArray(), false);
      Files.deleteIfExists(passwordFile);
      Files.createFile(passwordFile);
      try {
        Files.setPosixFilePermissions(passwordFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the directory's own protection is what there is.
      }
      Files.writeString(passwordFile, new String(certs.password) + "\n", StandardCharsets.UTF_8);
      certs.make();
      return certs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep TLS stores in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The file holding the stores' password, for {@link #forLocalServer} stores; null for test
   * stores.
   *
   * @return the password file's path, or null for stores from {@link #generate}
   */
  public @Nullable Path passwordFile() {
    return full ? null : dir.resolve(PASSWORD_FILE);
  }

  /**
   * Generates every store into {@code dir}, which must exist.
   *
   * @param dir the existing directory to write the stores into
   * @return the generated stores
   * @throws UncheckedIOException if a store cannot be written
   * @throws IllegalStateException if {@code keytool} fails (its output is in the message), or
   *     the thread is interrupted (its flag is set again)
   */
  public static LocalCertificates generate(Path dir) {
    Objects.requireNonNull(dir, "dir");
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    LocalCertificates certs = new LocalCertificates(dir, HexFormat.of().formatHex(random).toCharArray(), true);
    certs.make();
    return certs;
  }

  /**
   * The password of every store and of every key in them. A copy.
   *
   * @return a copy of the password, which the caller may wipe
   */
  public char[] password() {
    return password.clone();
  }

  /**
   * The test CA's certificate alone, as a trust store (PKCS12).
   *
   * @return the PKCS12 trust store's path
   */
  public Path caTrustStore() {
    return dir.resolve("ca-trust.p12");
  }

  /**
   * The same trust store as {@link #caTrustStore()}, in JKS.
   *
   * @return the JKS trust store's path; only {@link #generate} makes it
   */
  public Path caTrustStoreJks() {
    return dir.resolve("ca-trust.jks");
  }

  /**
   * A trust store holding only an unrelated CA, which signed none of the server certificates.
   *
   * @return the unrelated CA's trust store path; only {@link #generate} makes it
   */
  public Path otherCaTrustStore() {
    return dir.resolve("other-ca-trust.p12");
  }

  /**
   * The server's key and certificate (with the CA's in its chain), for 127.0.0.1 and localhost:
   * {@code subjectAltName=ip:127.0.0.1,dns:localhost}.
   *
   * @return the server key store's path
   */
  public Path serverKeyStore() {
    return dir.resolve("server.p12");
  }

  /**
   * A server key store like {@link #serverKeyStore()} whose certificate expired yesterday.
   *
   * @return the expired server key store's path; only {@link #generate} makes it
   */
  public Path expiredServerKeyStore() {
    return dir.resolve("server-expired.p12");
  }

  /**
   * A server key store signed by the CA for {@link #WRONG_HOST} only, not 127.0.0.1 or localhost.
   *
   * @return the wrong-host server key store's path; only {@link #generate} makes it
   */
  public Path wrongHostServerKeyStore() {
    return dir.resolve("server-wrong-host.p12");
  }

  /**
   * A client key and certificate signed by the CA, subject {@link #CLIENT_SUBJECT}.
   *
   * @return the client key store's path
   */
  public Path clientKeyStore() {
    return dir.resolve("client.p12");
  }

  /**
   * The same client key store as {@link #clientKeyStore()}, in JKS.
   *
   * @return the JKS client key store's path; only {@link #generate} makes it
   */
  public Path clientKeyStoreJks() {
    return dir.resolve("client.jks");
  }

  /**
   * A client key store whose certificate the unrelated CA signed, so the test CA does not vouch for
   * it.
   *
   * @return the unrelated CA's client key store path; only {@link #generate} makes it
   */
  public Path otherCaClientKeyStore() {
    return dir.resolve("client-other-ca.p12");
  }

  @Override
  public String toString() {
    return "LocalCertificates[" + dir + "]";
  }

  private void make() {
    // Each signer's store is copied before its leaves are made, so that the keytool runs of a
    // round write different files and can run at once.
    Path ca = dir.resolve("ca-keys.p12");
    Path otherCa = dir.resolve("other-ca-keys.p12");
    if (!full) {
      run(List.of(caKeyPair(ca, "CN=Roster Local CA,O=Roster")));
      Leaf server = new Leaf(ca, "server", "CN=roster-local-server,O=Roster", "san=ip:127.0.0.1,dns:localhost",
          "serverAuth", false);
      Leaf client = new Leaf(ca, "client", "CN=roster-local-client,O=Roster", null, "clientAuth", false);
      copy(ca, server.workStore());
      copy(ca, client.workStore());
      run(List.of(server.command(), client.command()));
      trustStore(ca, caTrustStore(), "PKCS12");
      keyStore(server, serverKeyStore(), "PKCS12");
      keyStore(client, clientKeyStore(), "PKCS12");
      delete(server.workStore());
      delete(client.workStore());
      delete(ca);
      return;
    }
    run(List.of(
        caKeyPair(ca, "CN=Roster Test CA,O=Roster Test"),
        caKeyPair(otherCa, "CN=Unrelated Test CA,O=Elsewhere")));
    String sans = "san=ip:127.0.0.1,dns:localhost";
    Leaf server = new Leaf(ca, "server", "CN=roster-test-server,O=Roster Test", sans, "serverAuth", false);
    Leaf expired = new Leaf(ca, "expired", "CN=roster-test-expired,O=Roster Test", sans, "serverAuth", true);
    Leaf wrongHost =
        new Leaf(ca, "wrong-host", "CN=" + WRONG_HOST + ",O=Roster Test", "san=dns:" + WRONG_HOST, "serverAuth", false);
    Leaf client = new Leaf(ca, "client", CLIENT_SUBJECT, null, "clientAuth", false);
    Leaf stranger = new Leaf(otherCa, "stranger", "CN=stranger,O=Elsewhere", null, "clientAuth", false);
    List<Leaf> leaves = List.of(server, expired, wrongHost, client, stranger);
    List<List<String>> commands = new ArrayList<>();
    for (Leaf leaf : leaves) {
      copy(leaf.signerStore, leaf.workStore());
      commands.add(leaf.command());
    }
    run(commands);

    trustStore(ca, caTrustStore(), "PKCS12");
    trustStore(ca, caTrustStoreJks(), "JKS");
    trustStore(otherCa, otherCaTrustStore(), "PKCS12");
    keyStore(server, serverKeyStore(), "PKCS12");
    keyStore(expired, expiredServerKeyStore(), "PKCS12");
    keyStore(wrongHost, wrongHostServerKeyStore(), "PKCS12");
    keyStore(client, clientKeyStore(), "PKCS12");
    keyStore(client, clientKeyStoreJks(), "JKS");
    keyStore(stranger, otherCaClientKeyStore(), "PKCS12");
    for (Leaf leaf : leaves) {
      delete(leaf.workStore());
    }
    delete(ca);
    delete(otherCa);
  }

  private List<String> caKeyPair(Path store, String subject) {
    List<String> command = keytool("-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12",
        "-alias", "ca", "-dname", subject, "-ext", "bc:c", "-ext", "ku:c=keyCertSign,cRLSign");
    command.addAll(List.of("-validity", validity()));
    return command;
  }

  /** A key pair signed by the CA in {@code signerStore} ({@code keytool -signer}, JDK 17+). */
  private final class Leaf {
    final Path signerStore;
    final String alias;
    final String subject;
    final @Nullable String sans;
    final String usage;
    final boolean expired;

    Leaf(Path signerStore, String alias, String subject, @Nullable String sans, String usage, boolean expired) {
      this.signerStore = signerStore;
      this.alias = alias;
      this.subject = subject;
      this.sans = sans;
      this.usage = usage;
      this.expired = expired;
    }

    Path workStore() {
      return dir.resolve("work-" + alias + ".p12");
    }

    List<String> command() {
      List<String> command = keytool("-genkeypair", "-keystore", workStore().toString(), "-alias", alias,
          "-dname", subject, "-signer", "ca", "-signerkeypass:env", PASSWORD_VARIABLE,
          "-ext", "eku=" + usage, "-ext", "ku=digitalSignature,keyAgreement");
      if (sans != null) {
        command.addAll(List.of("-ext", sans));
      }
      // Expired: valid for one day, starting three days ago.
      command.addAll(expired ? List.of("-startdate", "-3d", "-validity", "1") : List.of("-validity", validity()));
      return command;
    }
  }

  /** Test stores live for two days; a local server's for a year (and are made again near the end). */
  private String validity() {
    return full ? "2" : "365";
  }

  /** True if the server certificate is valid for at least another day. */
  private boolean serverValidTomorrow() {
    try {
      java.security.cert.Certificate cert = load(serverKeyStore()).getCertificate("server");
      return cert instanceof X509Certificate x
          && x.getNotAfter().toInstant().isAfter(java.time.Instant.now().plus(Duration.ofDays(1)));
    } catch (GeneralSecurityException | UncheckedIOException e) {
      return false;
    }
  }

  private List<String> keytool(String... args) {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new ArrayList<>(List.of(keytool.toString(),
        // A short-lived tool: the client compiler and the serial collector start it fastest.
        "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
    command.addAll(List.of(args));
    command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-storepass:env", PASSWORD_VARIABLE,
        "-keypass:env", PASSWORD_VARIABLE, "-noprompt"));
    return command;
  }

  /** Runs the commands at once and waits for all; any failure is reported with its output. */
  private void run(List<List<String>> commands) {
    List<Process> processes = new ArrayList<>();
    try {
      for (List<String> command : commands) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put(PASSWORD_VARIABLE, new String(password));
        processes.add(builder.start());
      }
      for (int i = 0; i < processes.size(); i++) {
        Process p = processes.get(i);
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(KEYTOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("keytool did not finish within " + KEYTOOL_TIMEOUT.toSeconds() + " s");
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException(String.join(" ", commands.get(i)) + " failed (exit " + p.exitValue()
              + "): " + new String(output, StandardCharsets.UTF_8).replace(new String(password), "***").strip());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run keytool: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running keytool", e);
    } finally {
      processes.forEach(Process::destroyForcibly);
    }
  }

  /** A trust store holding the certificate of the CA in {@code caStore}. */
  private void trustStore(Path caStore, Path target, String type) {
    try {
      KeyStore source = load(caStore);
      KeyStore trust = KeyStore.getInstance(type);
      trust.load(null, null);
      trust.setCertificateEntry("ca", source.getCertificate("ca"));
      store(trust, target);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make trust store " + target + ": " + e.getMessage(), e);
    }
  }

  /** A key store holding the leaf's key and its chain (leaf, then CA). */
  private void keyStore(Leaf leaf, Path target, String type) {
    try {
      KeyStore source = load(leaf.workStore());
      Key key = source.getKey(leaf.alias, password);
      Certificate[] chain = source.getCertificateChain(leaf.alias);
      if (chain.length < 2 || !(chain[0] instanceof X509Certificate)) {
        throw new IllegalStateException("keytool made no signed chain for " + leaf.alias);
      }
      KeyStore keys = KeyStore.getInstance(type);
      keys.load(null, null);
      keys.setKeyEntry(leaf.alias, key, password, chain);
      store(keys, target);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make key store " + target + ": " + e.getMessage(), e);
    }
  }

  private KeyStore load(Path path) throws GeneralSecurityException {
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private void store(KeyStore store, Path target) throws GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(target)) {
      store.store(out, password);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static void copy(Path from, Path to) {
    try {
      Files.copy(from, to);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  private static void delete(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path + ": " + e.getMessage(), e);
    }
  }
}
