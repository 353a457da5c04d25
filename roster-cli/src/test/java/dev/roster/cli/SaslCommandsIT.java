package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.cli.InProcessCli.Result;
import dev.roster.testing.SaslExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --auth sasl[:CONTEXT]} on the client commands, in-process against servers that take
 * SASL (DIGEST-MD5, {@link SaslExtension}): the identity the server gives, and a clear error instead
 * of an anonymous session or a bare "auth failed" when the login cannot work.
 */
class SaslCommandsIT {
  @RegisterExtension
  static final SaslExtension sasl = SaslExtension.users(Map.of("payments", "payments-secret"))
      .login("CliPayments", "payments", "payments-secret")
      .login("CliWrong", "payments", "wrong");

  @Test
  void whoamiPrintsTheSaslIdentityTheServerGives() {
    Result result = InProcessCli.run("whoami", "--zk", sasl.connectString(), "--auth", "sasl:CliPayments");
    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.out).contains("sasl:payments");
  }

  @Test
  void aLoginTheServersRefuseIsAFailureNamingTheContext() {
    Result result = InProcessCli.run("whoami", "--zk", sasl.connectString(), "--auth", "sasl:CliWrong");
    assertThat(result.exitCode).as(result.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.err).contains("refused the SASL login of JAAS context 'CliWrong'");
    assertThat(result.out).doesNotContain("ip:");
  }

  @Test
  void aLoginContextTheJvmLacksIsAFailureNotAnAnonymousSession() {
    Result whoami = InProcessCli.run("whoami", "--zk", sasl.connectString(), "--auth", "sasl:Nowhere");
    assertThat(whoami.exitCode).as(whoami.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(whoami.err).contains("sasl login context 'Nowhere': the JVM's JAAS configuration has no such section");
    // The commands that make a Roster say the same.
    Result ls = InProcessCli.run("ls", "--zk", sasl.connectString(), "--auth", "sasl:Nowhere");
    assertThat(ls.exitCode).as(ls.toString()).isNotZero();
    assertThat(ls.err).contains("sasl login context 'Nowhere'");
  }
}
