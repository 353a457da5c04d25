package dev.roster.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RosterTargetTest {

  @Test
  void parsesServiceBasePathAndConnectStringForms() {
    assertThat(RosterTarget.parse(URI.create("roster:///payments")))
        .isEqualTo(new RosterTarget(null, null, "payments"));
    assertThat(RosterTarget.parse(URI.create("roster:///team/services/payments")))
        .isEqualTo(new RosterTarget(null, "/team/services", "payments"));
    assertThat(RosterTarget.parse(URI.create("roster://127.0.0.1:2181/payments")))
        .isEqualTo(new RosterTarget("127.0.0.1:2181", null, "payments"));
    assertThat(RosterTarget.parse(URI.create("roster://zk1:2181,zk2:2181,zk3:2181/services/payments")))
        .isEqualTo(new RosterTarget("zk1:2181,zk2:2181,zk3:2181", "/services", "payments"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"roster:payments", "roster:///", "roster://zk:2181", "roster:///payments/",
      "roster:///a//payments", "roster:///payments?zone=a", "roster:///payments#x", "roster://user@zk:2181/p",
      "roster:///a%2Fb"})
  void malformedTargetsAreRefusedWithTheFormsExpected(String target) {
    assertThatThrownBy(() -> RosterTarget.parse(URI.create(target)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("target '" + target + "'")
        .hasMessageEndingWith("expected " + RosterTarget.FORMS);
  }
}
