package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.embedded.ServerTls;
import dev.roster.embedded.ServerTls.ClientAuth;
import dev.roster.internal.Internals;
import dev.roster.security.Tls;
import dev.roster.embedded.LocalCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ClientInfo;
import org.assertj.core.groups.Tuple;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rosters over TLS against an embedded TLS-only ZooKeeper, with stores made in the test: what
 * connects, and what each certificate problem is called when it does not.
 */
class TlsIT {
  private static final Duration TICK = Duration.ofMillis(100);
  private static final Duration SESSION = Duration.ofSeconds(3);
  private static final Duration CONNECT = Duration.ofSeconds(3);
  /** What a failing build may take beyond its connection timeout: closing the client it made. */
  private static final Duration MARGIN = Duration.ofSeconds(2);

  @TempDir static Path dir;
  static LocalCertificates certs;

  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

  @BeforeAll
  static void certificates() {
    certs = LocalCertificates.generate(dir);
  }

  @AfterEach
  void closeAll() throws Exception {
    while (!toClose.isEmpty()) {
      toClose.pop().close();
    }
  }

  @Test
  void theRightTrustStoreConnectsRegistersAndIsWatched() throws Exception {
    EmbeddedZooKeeper zk = server(ClientAuth.WANT, certs.serverKeyStore());
    Roster registrant = roster(zk, trustOnly(certs.caTrustStore()));
    Roster watcher = roster(zk, trustOnly(certs.caTrustStore()));
    ServiceInstance me = instance("payments", "p-1");

    registrant.register(me);
    ServiceView view = watcher.watch("payments");

    view.whenReady().get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().contains(me));
  }

  @Test
  void aJksTrustStoreAndKeyStoreWorkToo() throws Exception {
    EmbeddedZooKeeper zk = server(ClientAuth.NEED, certs.serverKeyStore());
    Tls tls = Tls.builder()
        .trustStore(certs.caTrustStoreJks(), certs.password())
        .keyStore(certs.clientKeyStoreJks(), certs.password())
        .build();
    Roster roster = roster(zk, tls);

    roster.register(instance("payments", "p-jks"));

    assertThat(tls.trustStoreType()).isEqualTo("JKS");
    assertThat(tls.keyStoreType()).isEqualTo("JKS");
    assertThat(roster.services()).contains("payments");
  }

  @Test
  void aClientCertificateIsTheSessionsX509Identity() throws Exception {
    EmbeddedZooKeeper zk = server(ClientAuth.NEED, certs.serverKeyStore());
    Tls tls = Tls.builder()
        .trustStore(certs.caTrustStore(), certs.password())
        .keyStore(certs.clientKeyStore(), certs.password())
        .build();
    Roster roster = roster(zk, tls);

    ZooKeeper handle = Internals.core(roster).zooKeeperOrNull();

    assertThat(tls.clientSubject()).isEqualTo(LocalCertificates.CLIENT_SUBJECT);
    assertThat(tls.x509AclId()).isEqualTo("x509:" + LocalCertificates.CLIENT_SUBJECT);
    assertThat(handle).isNotNull();
    assertThat(handle.whoAmI()).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
        .contains(Tuple.tuple("x509", tls.clientSubject()));
  }

  @Test
  void aWrongCaFailsWithinTheConnectTimeoutNamingTheProblem() {
    EmbeddedZooKeeper zk = server(ClientAuth.WANT, certs.serverKeyStore());

    String message = failure(zk, trustOnly(certs.otherCaTrustStore()));

    assertThat(message)
        .contains("TLS handshake with 127.0.0.1:" + zk.port() + " failed")
        .contains("is not signed by a CA in the trust store " + certs.otherCaTrustStore())
        .contains("PKIX path building failed")
        .contains("CN=roster-test-server");
  }

  @Test
  void anExpiredServerCertificateIsNamed() {
    EmbeddedZooKeeper zk = server(ClientAuth.WANT, certs.expiredServerKeyStore());

    String message = failure(zk, trustOnly(certs.caTrustStore()));

    assertThat(message).contains("CN=roster-test-expired").contains("has expired");
  }

  @Test
  void aCertificateForAnotherHostIsNamed() {
    EmbeddedZooKeeper zk = server(ClientAuth.WANT, certs.wrongHostServerKeyStore());

    String message = failure(zk, trustOnly(certs.caTrustStore()));

    assertThat(message)
        .contains("does not name 127.0.0.1")
        .contains("dns:" + LocalCertificates.WRONG_HOST);
  }

  @Test
  void hostnameVerificationCanBeTurnedOff() {
    EmbeddedZooKeeper zk = server(ClientAuth.WANT, certs.wrongHostServerKeyStore());
    Tls tls = Tls.builder().trustStore(certs.caTrustStore(), certs.password()).hostnameVerification(false).build();

    Roster roster = roster(zk, tls);

    assertThat(roster.isConnected()).isTrue();
  }

  @Test
  void aServerThatNeedsAClientCertificateSaysSo() {
    EmbeddedZooKeeper zk = server(ClientAuth.NEED, certs.serverKeyStore());

    String message = failure(zk, trustOnly(certs.caTrustStore()));

    assertThat(message).contains("the server requires a client certificate");
  }

  @Test
  void aPlaintextClientGetsNothingFromATlsPort() {
    EmbeddedZooKeeper zk = server(ClientAuth.WANT, certs.serverKeyStore());

    String message = failure(zk, null);

    assertThat(message).isEqualTo("could not connect to ZooKeeper at " + zk.connectString()
        + " within " + CONNECT.toMillis() + " ms");
    assertThat(zk.sessionIds()).isEmpty();
  }

  @Test
  void aTlsClientToAPlaintextPortIsToldSo() {
    EmbeddedZooKeeper plain = started(EmbeddedZooKeeper.builder().tickTime(TICK));

    String message = failure(plain, trustOnly(certs.caTrustStore()));

    assertThat(message).contains("(a plaintext port?)");
    assertThat(plain.sessionIds()).isEmpty();
  }

  @Test
  void aTlsRosterAndAPlaintextRosterWorkSideBySide() throws Exception {
    EmbeddedZooKeeper secure = server(ClientAuth.WANT, certs.serverKeyStore());
    EmbeddedZooKeeper plain = started(EmbeddedZooKeeper.builder().tickTime(TICK));
    Roster overTls = roster(secure, trustOnly(certs.caTrustStore()));
    Roster overPlaintext = roster(plain, null);
    ServiceInstance a = instance("payments", "tls-1");
    ServiceInstance b = instance("payments", "plain-1");

    overTls.register(a);
    overPlaintext.register(b);
    ServiceView tlsView = overTls.watch("payments");
    ServiceView plainView = overPlaintext.watch("payments");

    await().atMost(Duration.ofSeconds(10))
        .until(() -> tlsView.instances().contains(a) && plainView.instances().contains(b));
    assertThat(tlsView.instances()).doesNotContain(b);
    assertThat(plainView.instances()).doesNotContain(a);
  }

  @Test
  void noPasswordReachesTheLog() throws Exception {
    String password = new String(certs.password());
    EmbeddedZooKeeper zk = server(ClientAuth.NEED, certs.serverKeyStore());
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Tls tls = Tls.builder()
          .trustStore(certs.caTrustStore(), certs.password())
          .keyStore(certs.clientKeyStore(), certs.password())
          .build();
      roster(zk, tls).register(instance("payments", "p-log"));
      failure(zk, trustOnly(certs.otherCaTrustStore()));
      assertThat(tls.toString()).doesNotContain(password);
    } finally {
      System.setErr(original);
    }

    // The failing build logged ZooKeeper's handshake errors, so the log was not empty.
    assertThat(captured.toString(StandardCharsets.UTF_8)).isNotEmpty().doesNotContain(password);
  }

  @Test
  void tlsBuildNamesTheStoreThatIsWrong() throws Exception {
    Path missing = dir.resolve("missing.p12");
    Path notAStore = java.nio.file.Files.writeString(dir.resolve("not-a-store.p12"), "plain text");

    assertThatThrownBy(() -> Tls.builder().trustStore(missing, certs.password()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls trust store " + missing + ": not a readable file");
    assertThatThrownBy(() -> Tls.builder().trustStore(certs.caTrustStore(), "wrong".toCharArray()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls trust store " + certs.caTrustStore() + ": wrong password");
    assertThatThrownBy(() -> Tls.builder().trustStore(certs.caTrustStoreJks(), "wrong".toCharArray()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls trust store " + certs.caTrustStoreJks() + ": wrong password");
    assertThatThrownBy(() -> Tls.builder().trustStore(notAStore, certs.password()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tls trust store " + notAStore + ": not a PKCS12 or JKS store");
    assertThatThrownBy(() -> Tls.builder().trustStore(certs.caTrustStore(), certs.password())
            .keyStore(certs.clientKeyStore(), "wrong".toCharArray()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls key store " + certs.clientKeyStore() + ": wrong password");
    assertThatThrownBy(() -> Tls.builder().trustStore(certs.caTrustStore(), certs.password())
            .keyStore(certs.caTrustStore(), certs.password()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls key store " + certs.caTrustStore() + ": holds no private key");
  }

  /** Builds a Roster that must fail, within the connection timeout; returns its message. */
  private String failure(EmbeddedZooKeeper zk, @Nullable Tls tls) {
    long start = System.nanoTime();
    Throwable thrown = null;
    try {
      roster(zk, tls);
    } catch (RosterException e) {
      thrown = e;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(thrown).as("build() should have failed").isNotNull();
    assertThat(took).as("failed after %s with: %s", took, thrown.getMessage()).isLessThan(CONNECT.plus(MARGIN));
    return thrown.getMessage();
  }

  private static Tls trustOnly(Path trustStore) {
    return Tls.builder().trustStore(trustStore, certs.password()).build();
  }

  private static ServiceInstance instance(String service, String id) {
    return ServiceInstance.builder(service).id(id).address("127.0.0.1").port(8080).build();
  }

  private EmbeddedZooKeeper server(ClientAuth clientAuth, Path keyStore) {
    return started(EmbeddedZooKeeper.builder().tickTime(TICK).tls(ServerTls.builder()
        .keyStore(keyStore, certs.password())
        .trustStore(certs.caTrustStore(), certs.password())
        .clientAuth(clientAuth)
        .build()));
  }

  private EmbeddedZooKeeper started(EmbeddedZooKeeper.Builder builder) {
    EmbeddedZooKeeper zk = builder.start();
    toClose.push(zk);
    return zk;
  }

  private Roster roster(EmbeddedZooKeeper zk, @Nullable Tls tls) {
    Roster.Builder builder = Roster.builder().connectString(zk.connectString())
        .sessionTimeout(SESSION).connectionTimeout(CONNECT);
    if (tls != null) {
      builder.tls(tls);
    }
    Roster roster = builder.build();
    toClose.push(roster);
    return roster;
  }
}
