package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.ServiceInstance;
import org.junit.jupiter.api.Test;

/** Roster instances as Spring Cloud sees them: the keys and ports Spring Cloud Zookeeper exposes. */
class RosterServiceInstanceTest {

  @Test
  void plainInstanceHasSpringCloudZookeepersMetadataKeys() {
    RosterServiceInstance instance = new RosterServiceInstance(ServiceInstance.builder("payments").id("p-1")
        .address("10.0.0.5").port(8080).zone("eu-west-1a").weight(70).metadata("version", "1.4.2").build());
    assertThat(instance.getServiceId()).isEqualTo("payments");
    assertThat(instance.getInstanceId()).isEqualTo("p-1");
    assertThat(instance.getHost()).isEqualTo("10.0.0.5");
    assertThat(instance.getPort()).isEqualTo(8080);
    assertThat(instance.isSecure()).isFalse();
    assertThat(instance.getUri()).hasToString("http://10.0.0.5:8080");
    assertThat(instance.getMetadata()).containsExactly(
        java.util.Map.entry("version", "1.4.2"), java.util.Map.entry("zone", "eu-west-1a"),
        java.util.Map.entry("weight", "70"), java.util.Map.entry("instance_status", "UP"));
  }

  @Test
  void tlsPortIsThePortAsInSpringCloudZookeeper() {
    RosterServiceInstance instance = new RosterServiceInstance(ServiceInstance.builder("payments").id("p-1")
        .address("::1").port(8080).sslPort(8443).status(ServiceInstance.Status.DRAINING).build());
    assertThat(instance.isSecure()).isTrue();
    assertThat(instance.getPort()).isEqualTo(8443);
    assertThat(instance.getScheme()).isEqualTo("https");
    assertThat(instance.getUri()).hasToString("https://[::1]:8443");
    assertThat(instance.getMetadata()).containsEntry("instance_status", "DRAINING").doesNotContainKey("zone");
  }
}
