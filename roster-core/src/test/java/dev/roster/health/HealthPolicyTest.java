package dev.roster.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthPolicyTest {

  @Test
  void defaultsAreHaproxyLike() {
    HealthPolicy p = HealthPolicy.builder().build();
    assertThat(p.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.rise()).isEqualTo(2);
    assertThat(p.fall()).isEqualTo(3);
    assertThat(p.drainGrace()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.toBuilder().rise(5).build().rise()).isEqualTo(5);
  }

  @Test
  void badSettingsNameTheFieldAndShowTheValue() {
    assertThatThrownBy(() -> HealthPolicy.builder().rise(0)).hasMessage("rise 0: must be >= 1");
    assertThatThrownBy(() -> HealthPolicy.builder().fall(-2)).hasMessage("fall -2: must be >= 1");
    assertThatThrownBy(() -> HealthPolicy.builder().interval(Duration.ZERO))
        .hasMessage("interval PT0S: must be positive and at most one day");
    assertThatThrownBy(() -> HealthPolicy.builder().timeout(Duration.ofMillis(-5)))
        .hasMessage("timeout PT-0.005S: must be positive and at most one day");
    assertThatThrownBy(() -> HealthPolicy.builder().drainGrace(Duration.ofDays(2)))
        .hasMessage("drain grace PT48H: must be zero to one day");
    assertThatThrownBy(() -> HealthPolicy.builder().interval(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("interval");
  }

  @Test
  void checkFactoriesRefuseWhatCanNeverWork() {
    assertThatThrownBy(() -> HealthCheck.http(URI.create("/health")))
        .hasMessage("health check URI '/health': must be an absolute http or https URI with a host");
    assertThatThrownBy(() -> HealthCheck.http(URI.create("ftp://h/x")))
        .hasMessage("health check URI 'ftp://h/x': must be an absolute http or https URI with a host");
    assertThatThrownBy(() -> HealthCheck.http(URI.create("http://h/x"), ""))
        .hasMessageStartingWith("body match '': must not be empty");
    assertThatThrownBy(() -> HealthCheck.tcp("h", 0)).hasMessage("port 0: must be 1-65535");
    assertThatThrownBy(() -> HealthCheck.tcp(" ", 80)).hasMessageStartingWith("host ' ': must not be empty");
  }

  @Test
  void aCallableCheckPassesOnTrueOnly() {
    Duration t = Duration.ofSeconds(1);
    assertThat(HealthCheck.of(() -> true).check(t)).isEqualTo(HealthCheck.Result.pass("returned true"));
    assertThat(HealthCheck.of(() -> false).check(t)).isEqualTo(HealthCheck.Result.fail("returned false"));
    assertThat(HealthCheck.of(() -> null).check(t)).isEqualTo(HealthCheck.Result.fail("returned null"));
    assertThat(HealthCheck.of(() -> {
      throw new java.io.IOException("disk full");
    }).check(t)).isEqualTo(HealthCheck.Result.fail("threw java.io.IOException: disk full"));
  }
}
