package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.SaslExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code roster.authentication.sasl.*} doing its work: an application logs in with SASL
 * (DIGEST-MD5, on servers that take it) and, under {@code roster.acl.policy=service-owned}, its
 * service is its identity's; a missing login context fails startup naming it.
 */
class SaslPropertiesIT {
  @RegisterExtension
  static final SaslExtension sasl = SaslExtension.users(Map.of("payments", "pw-1"))
      .login("PaymentsLogin", "payments", "pw-1");

  @Test
  void registersWithItsSaslLoginAndItsServiceIsItsOwn() {
    try (Roster observer = Roster.builder().connectString(sasl.connectString()).build();
         ServiceView view = observer.watch("payments");
         ConfigurableApplicationContext app = Apps.start("spring.application.name=payments",
             "roster.connect-string=" + sasl.connectString(), "roster.session-timeout=3s",
             "roster.authentication.sasl.enabled=true", "roster.authentication.sasl.login-context=PaymentsLogin",
             "roster.acl.policy=service-owned", "roster.registration.drain-grace=0s")) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(view.instances()).singleElement()
          .satisfies(i -> assertThat(i.port()).isEqualTo(Apps.port(app))));
      // Only the application's SASL identity may write its service: ZooKeeper refuses an anonymous Roster.
      assertThatThrownBy(() -> observer.register(ServiceInstance.builder("payments").id("fake")
          .address("127.0.0.1").port(9).build()))
          .isInstanceOf(RosterException.class)
          .hasMessageContaining("ZooKeeper refused create on /services/payments/fake")
          .hasMessageContaining("sasl:payments=cdrwa");
    }
  }

  @Test
  void aLoginContextTheJvmLacksFailsStartupNamingIt() {
    assertThatThrownBy(() -> Apps.start("spring.application.name=payments",
        "roster.connect-string=" + sasl.connectString(), "roster.authentication.sasl.enabled=true",
        "roster.authentication.sasl.login-context=Nowhere").close())
        .hasStackTraceContaining("sasl login context 'Nowhere': the JVM's JAAS configuration has no such section");
  }
}
