package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceInstanceTest {

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "", ".", "..", "with space", "tab\tname", "ünïcode", "semi;colon", "a\u0000b"})
  void badServiceNamesAreRefusedWithTheFieldNamed(String name) {
    assertThatThrownBy(() -> ServiceInstance.builder(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("service name '")
        .hasMessageContaining("[A-Za-z0-9._:-]{1,255}");
  }

  @Test
  void serviceNameMessageShowsTheValueEscaped() {
    assertThatThrownBy(() -> ServiceInstance.builder("a/b"))
        .hasMessage("service name 'a/b': must match [A-Za-z0-9._:-]{1,255}");
    assertThatThrownBy(() -> ServiceInstance.builder("a\nb"))
        .hasMessage("service name 'a\\u000ab': must match [A-Za-z0-9._:-]{1,255}");
    assertThatThrownBy(() -> ServiceInstance.builder(".."))
        .hasMessageContaining("must not be '.' or '..'");
  }

  @Test
  void tooLongNamesSayHowLong() {
    String longName = "x".repeat(256);
    assertThatThrownBy(() -> ServiceInstance.builder("svc").id(longName))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("instance id 'xxxx")
        .hasMessageContaining("is 256 characters long");
    assertThat(ServiceInstance.builder("x".repeat(255)).id("y".repeat(255)).address("h").port(1).build().id())
        .hasSize(255);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65536, Integer.MAX_VALUE})
  void badPortsAreRefused(int port) {
    assertThatThrownBy(() -> ServiceInstance.builder("svc").port(port))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port " + port + ": must be 1-65535");
  }

  @Test
  void addressMustBePresentAndSane() {
    assertThatThrownBy(() -> ServiceInstance.builder("svc").address(""))
        .hasMessageStartingWith("address '': must not be empty");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").address("10.0.0.1 "))
        .hasMessageContaining("must not contain whitespace");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").port(80).build())
        .hasMessageStartingWith("address is missing");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").address("h").build())
        .hasMessageStartingWith("port is missing");
  }

  @Test
  void reservedMetadataKeysPointToTheirSetters() {
    assertThatThrownBy(() -> ServiceInstance.builder("svc").metadata("zone", "a"))
        .hasMessageContaining("metadata key 'zone'").hasMessageContaining("reserved");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").metadata("instance_status", "UP"))
        .hasMessageContaining("reserved");
  }

  @Test
  void weightIsBounded() {
    assertThatThrownBy(() -> ServiceInstance.builder("svc").weight(-1)).hasMessage("weight -1: must be 0-1000000");
  }

  @Test
  void valuesAreImmutableAndCopyable() {
    ServiceInstance a = ServiceInstance.builder("payments").id("p1").address("10.0.0.5").port(8080)
        .zone("eu-west-1a").weight(50).metadata("version", "1.4.2").registeredAt(Instant.ofEpochMilli(42)).build();
    assertThatThrownBy(() -> a.metadata().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    ServiceInstance b = a.toBuilder().port(9090).build();
    assertThat(b).isNotEqualTo(a);
    assertThat(b.toBuilder().port(8080).build()).isEqualTo(a);
    assertThat(a.hostPort()).isEqualTo("10.0.0.5:8080");
    assertThat(a.metadata()).isEqualTo(Map.of("version", "1.4.2"));
    assertThat(ServiceInstance.builder("s").address("::1").port(1).build().hostPort()).isEqualTo("[::1]:1");
  }

  @Test
  void defaultIdIsAUuid() {
    ServiceInstance a = ServiceInstance.builder("svc").address("h").port(1).build();
    assertThat(a.id()).matches("[0-9a-f-]{36}");
    assertThat(a.status()).isEqualTo(ServiceInstance.Status.UP);
    assertThat(a.weight()).isEqualTo(ServiceInstance.DEFAULT_WEIGHT);
  }

  @Test
  void uriSpecMustBeWhatCuratorCanParse() {
    assertThat(ServiceInstance.builder("svc").address("h").port(1).build().uriSpec())
        .isEqualTo("{scheme}://{address}:{port}");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").uriSpec("{scheme://x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("uri spec '{scheme://x': '{' at index 0 is never closed");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").uriSpec("a}b"))
        .hasMessageStartingWith("uri spec 'a}b': '}' at index 1 without '{'");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").uriSpec("{a{b}}"))
        .hasMessageStartingWith("uri spec '{a{b}}': '{' at index 2 inside a variable");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").uriSpec("x{ }"))
        .hasMessageStartingWith("uri spec 'x{ }': empty variable at index 1");
    assertThatThrownBy(() -> ServiceInstance.builder("svc").uriSpec("a\tb"))
        .hasMessage("uri spec 'a\\u0009b': must not contain control characters");
    assertThat(ServiceInstance.builder("svc").uriSpec(null).address("h").port(1).build().uriSpec()).isNull();
  }

  @Test
  void builtInstancesAreDynamicWithNoPayload() {
    ServiceInstance a = ServiceInstance.builder("svc").address("h").port(1).build();
    assertThat(a.serviceType()).isEqualTo(ServiceInstance.ServiceType.DYNAMIC);
    assertThat(a.payload()).isEqualTo(Bytes.EMPTY);
    // The short constructor takes the builder's defaults for the newer components.
    ServiceInstance shortForm = new ServiceInstance("svc", "i", "h", 1, 0, null, 100, Map.of(),
        ServiceInstance.Status.UP, Instant.EPOCH);
    assertThat(shortForm.uriSpec()).isEqualTo(ServiceInstance.DEFAULT_URI_SPEC);
    assertThat(shortForm.payload()).isEqualTo(Bytes.EMPTY);
  }

  @Test
  void lenientlyBuiltInstancesAreCaughtByValidate() {
    ServiceInstance foreign = new ServiceInstance("svc", "a b", "h", 1, 0, null, 1, Map.of(),
        ServiceInstance.Status.UP, Instant.EPOCH, null, ServiceInstance.ServiceType.DYNAMIC, Bytes.EMPTY);
    assertThatThrownBy(foreign::validate).hasMessageStartingWith("instance id 'a b'");
  }
}
