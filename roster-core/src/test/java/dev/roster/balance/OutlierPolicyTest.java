package dev.roster.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierPolicyTest {

  @Test
  void defaultsAreEnvoyLike() {
    OutlierPolicy p = OutlierPolicy.builder().build();
    assertThat(p.consecutiveFailures()).isEqualTo(5);
    assertThat(p.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.multiplier()).isEqualTo(2.0);
    assertThat(p.maxEjectionTime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.maxEjectedShare()).isEqualTo(0.5);
    assertThat(p.ticker()).isSameAs(Ticker.system());
    assertThat(p.toBuilder().consecutiveFailures(2).build().consecutiveFailures()).isEqualTo(2);
  }

  @Test
  void badSettingsNameTheFieldAndShowTheValue() {
    assertThatThrownBy(() -> OutlierPolicy.builder().consecutiveFailures(0))
        .hasMessage("consecutive failures 0: must be >= 1");
    assertThatThrownBy(() -> OutlierPolicy.builder().baseEjectionTime(Duration.ZERO))
        .hasMessage("base ejection time PT0S: must be positive and at most 365 days");
    assertThatThrownBy(() -> OutlierPolicy.builder().multiplier(0.5))
        .hasMessage("multiplier 0.5: must be a finite number >= 1");
    assertThatThrownBy(() -> OutlierPolicy.builder().maxEjectedShare(-0.1))
        .hasMessage("max ejected share -0.1: must be between 0 and 1");
    assertThatThrownBy(() -> OutlierPolicy.builder().baseEjectionTime(Duration.ofSeconds(10))
        .maxEjectionTime(Duration.ofSeconds(5)).build())
        .hasMessage("max ejection time PT5S: must be at least the base ejection time PT10S");
  }
}
