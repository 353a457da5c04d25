package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.cli.InProcessCli.Result;
import dev.roster.embedded.LocalEnsemble;
import dev.roster.testing.SaslLogins;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --auth sasl[:CONTEXT]} on the client commands, in-process against servers that take
 * SASL (DIGEST-MD5, {@link SaslLogins}): the identity the server gives, and a clear error instead
 * of an anonymous session or a bare "auth failed" when the login cannot work.
 */
class SaslCommandsIT {
  @TempDir static Path dir;
  static LocalEnsemble ensemble;
  static SaslLogins logins;

  @BeforeAll
  static void start() {
    ensemble = LocalEnsemble.builder().size(3).tickTime(Duration.ofMillis(200)).baseDir(dir.resolve("ensemble"))
        .jvmOptions(SaslLogins.serverJvmOptions(dir, Map.of("payments", "payments-secret"))).start();
    logins = SaslLogins.install(Map.of(
        "CliPayments", new SaslLogins.Login("payments", "payments-secret"),
        "CliWrong", new SaslLogins.Login("payments", "wrong")));
  }

  @AfterAll
  static void stop() {
    if (logins != null) {
      logins.close();
    }
    if (ensemble != null) {
      ensemble.close();
    }
  }

  @Test
  void whoamiPrintsTheSaslIdentityTheServerGives() {
    Result result = InProcessCli.run("whoami", "--zk", ensemble.connectString(), "--auth", "sasl:CliPayments");
    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.out).contains("sasl:payments");
  }

  @Test
  void aLoginTheServersRefuseIsAFailureNamingTheContext() {
    Result result = InProcessCli.run("whoami", "--zk", ensemble.connectString(), "--auth", "sasl:CliWrong");
    assertThat(result.exitCode).as(result.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.err).contains("refused the SASL login of JAAS context 'CliWrong'");
    assertThat(result.out).doesNotContain("ip:");
  }

  @Test
  void aLoginContextTheJvmLacksIsAFailureNotAnAnonymousSession() {
    Result whoami = InProcessCli.run("whoami", "--zk", ensemble.connectString(), "--auth", "sasl:Nowhere");
    assertThat(whoami.exitCode).as(whoami.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(whoami.err).contains("sasl login context 'Nowhere': the JVM's JAAS configuration has no such section");
    // The commands that make a Roster say the same.
    Result ls = InProcessCli.run("ls", "--zk", ensemble.connectString(), "--auth", "sasl:Nowhere");
    assertThat(ls.exitCode).as(ls.toString()).isNotZero();
    assertThat(ls.err).contains("sasl login context 'Nowhere'");
  }
}
