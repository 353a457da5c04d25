package dev.roster.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores {@code roster up --tls} serves with: made once, kept, reused while they are valid. */
class LocalCertificatesTest {
  @TempDir Path dir;

  @Test
  void aLocalServersStoresAreMadeOnceAndReused() throws Exception {
    LocalCertificates first = LocalCertificates.forLocalServer(dir.resolve("tls"));
    Path passwordFile = first.passwordFile();
    assertThat(passwordFile).isRegularFile();
    assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(passwordFile).strip()).isEqualTo(new String(first.password()));

    KeyStore server = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(first.serverKeyStore())) {
      server.load(in, first.password());
    }
    X509Certificate cert = (X509Certificate) server.getCertificate("server");
    assertThat(cert.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(300)));
    assertThat(cert.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))))
        .contains("127.0.0.1", "localhost");

    long made = Files.getLastModifiedTime(first.serverKeyStore()).toMillis();
    LocalCertificates again = LocalCertificates.forLocalServer(dir.resolve("tls"));
    assertThat(again.password()).isEqualTo(first.password());
    assertThat(Files.getLastModifiedTime(again.serverKeyStore()).toMillis()).isEqualTo(made);
  }
}
