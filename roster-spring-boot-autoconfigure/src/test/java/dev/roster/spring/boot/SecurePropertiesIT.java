package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.embedded.LocalCertificates;
import dev.roster.embedded.ServerTls;
import dev.roster.security.Authentication;
import dev.roster.security.Tls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The starter's security properties doing their work, not only failing by name: an application
 * configured with {@code roster.tls.*} (trust and client key store, password files), {@code
 * roster.authentication.digest.*} and {@code roster.acl.policy} registers itself on a
 * ZooKeeper that takes TLS only and needs a client certificate, its nodes carry its identity,
 * and another identity can read them but not register into its service. SASL is {@link
 * SaslPropertiesIT}'s.
 */
class SecurePropertiesIT {
  @TempDir Path dir;

  @Test
  void registersOverTlsWithItsDigestIdentityAndItsServiceIsItsOwn() throws Exception {
    LocalCertificates certs = LocalCertificates.generate(dir);
    Path storePassword = Files.writeString(dir.resolve("store-password"), new String(certs.password()) + "\n",
        StandardCharsets.UTF_8);
    Path digestPassword = Files.writeString(dir.resolve("digest-password"), "s3cret-payments\n",
        StandardCharsets.UTF_8);
    Tls clientTls = Tls.builder().trustStore(certs.caTrustStore(), certs.password())
        .keyStore(certs.clientKeyStore(), certs.password()).build();
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(100))
        .tls(ServerTls.builder().keyStore(certs.serverKeyStore(), certs.password())
            .trustStore(certs.caTrustStore(), certs.password()).clientAuth(ServerTls.ClientAuth.NEED).build())
        .start();
         Roster observer = Roster.builder().connectString(zk.connectString()).tls(clientTls).build();
         ServiceView view = observer.watch("payments");
         ConfigurableApplicationContext app = Apps.start("spring.application.name=payments",
             "roster.connect-string=" + zk.connectString(), "roster.session-timeout=3s",
             "roster.tls.trust-store=" + certs.caTrustStore(),
             "roster.tls.trust-store-password-file=" + storePassword,
             "roster.tls.key-store=" + certs.clientKeyStore(),
             "roster.tls.key-store-password-file=" + storePassword,
             "roster.authentication.digest.user=payments",
             "roster.authentication.digest.password-file=" + digestPassword,
             "roster.acl.policy=service-owned", "roster.registration.drain-grace=0s")) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(view.instances()).singleElement()
          .satisfies(i -> assertThat(i.port()).isEqualTo(Apps.port(app))));

      // Another identity reads the service but may not register into it: the node is the application's.
      try (Roster mallory = Roster.builder().connectString(zk.connectString()).tls(clientTls)
          .authentication(Authentication.digest("mallory", "not-payments".toCharArray())).build()) {
        assertThatThrownBy(() -> mallory.register(ServiceInstance.builder("payments").id("fake")
            .address("127.0.0.1").port(9).build()))
            .isInstanceOf(RosterException.class)
            .hasMessageContaining("refusing to register under service node /services/payments")
            .hasMessageContaining("digest:payments:…=cdrwa");
      }
      assertThat(view.instances()).extracting(ServiceInstance::port).containsExactly(Apps.port(app));
    }
  }
}
