package dev.roster.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.embedded.LocalCertificates;
import dev.roster.embedded.PortInUseException;
import dev.roster.embedded.ServerTls;
import dev.roster.embedded.ServerTls.ClientAuth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ClientInfo;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An {@link EmbeddedZooKeeper} serving TLS only, with stores made by {@link LocalCertificates}. */
class EmbeddedZooKeeperTlsIT {
  private static final Duration TICK = Duration.ofMillis(100);
  /** How long a client that should get nowhere is given to get somewhere. */
  private static final Duration NOTHING = Duration.ofSeconds(3);

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
  void servesTlsClientsOnItsOnePort() throws Exception {
    EmbeddedZooKeeper zk = started(tls(ClientAuth.WANT, certs.serverKeyStore()));
    ZooKeeper client = connected(zk, clientConfig(certs.caTrustStore(), null));

    client.create("/greeting", "hello".getBytes(UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

    assertThat(new String(client.getData("/greeting", false, null), UTF_8)).isEqualTo("hello");
    assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + zk.port());
    assertThat(zk.tls()).isNotNull();
    assertThat(zk.toString()).contains("tls").doesNotContain(new String(certs.password()));
    assertThat(System.getProperties().stringPropertyNames()).noneMatch(k -> k.startsWith("zookeeper.ssl"));
  }

  @Test
  void aPlaintextClientGetsNothing() throws Exception {
    EmbeddedZooKeeper zk = started(tls(ClientAuth.WANT, certs.serverKeyStore()));
    ZooKeeper plain = open(zk, new ZKClientConfig());

    await().during(NOTHING).atMost(NOTHING.plusSeconds(2)).until(() -> !plain.getState().isConnected());
    assertThat(zk.sessionIds()).isEmpty();
  }

  @Test
  void aClientCertificateBecomesTheSessionsX509Identity() throws Exception {
    EmbeddedZooKeeper zk = started(tls(ClientAuth.NEED, certs.serverKeyStore()));

    ZooKeeper client = connected(zk, clientConfig(certs.caTrustStore(), certs.clientKeyStore()));
    ZooKeeper jks = connected(zk, clientConfig(certs.caTrustStoreJks(), certs.clientKeyStoreJks()));

    assertThat(client.whoAmI()).extracting(ClientInfo::getAuthScheme, ClientInfo::getUser)
        .contains(org.assertj.core.groups.Tuple.tuple("x509", LocalCertificates.CLIENT_SUBJECT));
    assertThat(jks.whoAmI()).extracting(ClientInfo::getUser).contains(LocalCertificates.CLIENT_SUBJECT);
  }

  @Test
  void needTurnsAwayClientsWithoutACertificateTheServerTrusts() throws Exception {
    EmbeddedZooKeeper zk = started(tls(ClientAuth.NEED, certs.serverKeyStore()));
    ZooKeeper anonymous = open(zk, clientConfig(certs.caTrustStore(), null));
    ZooKeeper stranger = open(zk, clientConfig(certs.caTrustStore(), certs.otherCaClientKeyStore()));

    await().during(NOTHING).atMost(NOTHING.plusSeconds(2))
        .until(() -> !anonymous.getState().isConnected() && !stranger.getState().isConnected());
  }

  @Test
  void wantLetsOtherClientsInWithoutAnIdentity() throws Exception {
    EmbeddedZooKeeper zk = started(tls(ClientAuth.WANT, certs.serverKeyStore()));
    ZooKeeper anonymous = connected(zk, clientConfig(certs.caTrustStore(), null));
    ZooKeeper stranger = connected(zk, clientConfig(certs.caTrustStore(), certs.otherCaClientKeyStore()));
    ZooKeeper known = connected(zk, clientConfig(certs.caTrustStore(), certs.clientKeyStore()));

    assertThat(anonymous.whoAmI()).extracting(ClientInfo::getAuthScheme).doesNotContain("x509");
    assertThat(stranger.whoAmI()).extracting(ClientInfo::getAuthScheme).doesNotContain("x509");
    assertThat(known.whoAmI()).extracting(ClientInfo::getUser).contains(LocalCertificates.CLIENT_SUBJECT);
  }

  @Test
  void aTrustStoreIsNeededOnlyWhenClientsAreAskedForCertificates() throws Exception {
    assertThatThrownBy(() -> ServerTls.builder().keyStore(certs.serverKeyStore(), certs.password()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls trust store: required with client auth want (the CAs whose client certificates to accept)");

    EmbeddedZooKeeper zk = started(EmbeddedZooKeeper.builder().tickTime(TICK).tls(ServerTls.builder()
        .keyStore(certs.serverKeyStore(), certs.password()).clientAuth(ClientAuth.NONE).build()));
    ZooKeeper client = connected(zk, clientConfig(certs.caTrustStore(), certs.clientKeyStore()));

    assertThat(client.whoAmI()).extracting(ClientInfo::getAuthScheme).doesNotContain("x509");
  }

  @Test
  void tlsAndPlaintextServersRunSideBySide() throws Exception {
    EmbeddedZooKeeper secure = started(tls(ClientAuth.NEED, certs.serverKeyStore()));
    EmbeddedZooKeeper plain = started(EmbeddedZooKeeper.builder().tickTime(TICK));

    ZooKeeper overTls = connected(secure, clientConfig(certs.caTrustStore(), certs.clientKeyStore()));
    ZooKeeper overPlaintext = connected(plain, new ZKClientConfig());

    overTls.create("/a", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    overPlaintext.create("/b", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    assertThat(overTls.getChildren("/", false)).contains("a").doesNotContain("b");
    assertThat(overPlaintext.getChildren("/", false)).contains("b").doesNotContain("a");
  }

  @Test
  void restartServesTlsOnTheSamePortAndSessionsSurvive() throws Exception {
    EmbeddedZooKeeper zk = started(tls(ClientAuth.NEED, certs.serverKeyStore()));
    ZooKeeper client = connected(zk, clientConfig(certs.caTrustStore(), certs.clientKeyStore()));
    long session = client.getSessionId();
    int port = zk.port();

    zk.restart();

    assertThat(zk.port()).isEqualTo(port);
    await().atMost(Duration.ofSeconds(15)).until(() -> client.getState().isConnected());
    assertThat(client.getSessionId()).isEqualTo(session);
    assertThat(client.whoAmI()).extracting(ClientInfo::getUser).contains(LocalCertificates.CLIENT_SUBJECT);
  }

  @Test
  void aTakenPortIsReportedAsInUse() {
    EmbeddedZooKeeper first = started(tls(ClientAuth.WANT, certs.serverKeyStore()));

    assertThatThrownBy(() -> tls(ClientAuth.WANT, certs.serverKeyStore()).port(first.port()).start())
        .isInstanceOf(PortInUseException.class);
  }

  private static EmbeddedZooKeeper.Builder tls(ClientAuth clientAuth, Path keyStore) {
    return EmbeddedZooKeeper.builder().tickTime(TICK).tls(ServerTls.builder()
        .keyStore(keyStore, certs.password())
        .trustStore(certs.caTrustStore(), certs.password())
        .clientAuth(clientAuth)
        .build());
  }

  private EmbeddedZooKeeper started(EmbeddedZooKeeper.Builder builder) {
    EmbeddedZooKeeper zk = builder.start();
    toClose.push(zk);
    return zk;
  }

  /** A client configured as ZooKeeper documents it: Netty, secure, and stores in its own config. */
  private static ZKClientConfig clientConfig(Path trustStore, @Nullable Path keyStore) {
    ZKClientConfig config = new ZKClientConfig();
    config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
    config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
    config.setProperty("zookeeper.ssl.trustStore.location", trustStore.toString());
    config.setProperty("zookeeper.ssl.trustStore.password", new String(certs.password()));
    if (keyStore != null) {
      config.setProperty("zookeeper.ssl.keyStore.location", keyStore.toString());
      config.setProperty("zookeeper.ssl.keyStore.password", new String(certs.password()));
    }
    return config;
  }

  private ZooKeeper open(EmbeddedZooKeeper zk, ZKClientConfig config) throws Exception {
    ZooKeeper client = new ZooKeeper(zk.connectString(), 4_000, event -> { }, config);
    toClose.push(client::close);
    return client;
  }

  private ZooKeeper connected(EmbeddedZooKeeper zk, ZKClientConfig config) throws Exception {
    ZooKeeper client = open(zk, config);
    await().atMost(Duration.ofSeconds(15)).until(() -> client.getState().isConnected());
    return client;
  }
}
