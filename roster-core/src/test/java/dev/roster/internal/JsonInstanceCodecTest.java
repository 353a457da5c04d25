package dev.roster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.Status;
import dev.roster.codec.InstanceCodec;
import dev.roster.codec.InstanceFormatException;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonInstanceCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServiceInstance instance = ServiceInstance.builder("payments").id("payments-1")
      .address("10.0.0.5").port(8080).sslPort(8443).zone("eu-west-1a").weight(70)
      .metadata("version", "1.4.2").status(Status.DRAINING)
      .registeredAt(Instant.ofEpochMilli(1_700_000_000_000L)).build();

  @Test
  void springFormRoundTripsAndLooksLikeSpringCloudZookeeper() throws Exception {
    byte[] bytes = InstanceCodec.springCloud().encode(instance);
    JsonNode json = JSON.readTree(bytes);
    assertThat(json.get("name").asText()).isEqualTo("payments");
    assertThat(json.get("id").asText()).isEqualTo("payments-1");
    assertThat(json.get("serviceType").asText()).isEqualTo("DYNAMIC");
    assertThat(json.get("registrationTimeUTC").asLong()).isEqualTo(1_700_000_000_000L);
    assertThat(json.get("payload").get("@class").asText())
        .isEqualTo("org.springframework.cloud.zookeeper.discovery.ZookeeperInstance");
    assertThat(json.get("payload").get("metadata").get("instance_status").asText()).isEqualTo("DRAINING");
    assertThat(json.get("payload").get("metadata").get("version").asText()).isEqualTo("1.4.2");
    assertThat(json.get("enabled").asBoolean()).isFalse();
    assertThat(InstanceCodec.springCloud().decode("payments", "payments-1", bytes)).isEqualTo(instance);
    // Either codec reads either form.
    assertThat(InstanceCodec.curator().decode("payments", "payments-1", bytes)).isEqualTo(instance);
  }

  @Test
  void curatorFormRoundTripsWithAPlainPayload() throws Exception {
    byte[] bytes = InstanceCodec.curator().encode(instance);
    JsonNode payload = JSON.readTree(bytes).get("payload");
    assertThat(payload.has("@class")).isFalse();
    assertThat(payload.get("zone").asText()).isEqualTo("eu-west-1a");
    assertThat(payload.get("weight").asInt()).isEqualTo(70);
    assertThat(InstanceCodec.curator().decode("payments", "payments-1", bytes)).isEqualTo(instance);
    assertThat(InstanceCodec.springCloud().decode("payments", "payments-1", bytes)).isEqualTo(instance);
  }

  @Test
  void unknownClassIsDataNeverLoaded() {
    String json = "{\"name\":\"s\",\"id\":\"i\",\"address\":\"h\",\"port\":1,"
        + "\"payload\":{\"@class\":\"com.example.DoesNotExist\",\"metadata\":{\"k\":\"v\"}},"
        + "\"unknownField\":[1,2,3]}";
    ServiceInstance read = InstanceCodec.curator().decode("s", "i", json.getBytes(UTF_8));
    assertThat(read.metadata()).containsEntry("k", "v");
    assertThat(read.status()).isEqualTo(Status.UP);
  }

  @Test
  void missingFieldsGetDefaults() {
    ServiceInstance read = InstanceCodec.curator().decode("svc", "node-7",
        "{\"address\":\"h\"}".getBytes(UTF_8));
    assertThat(read.id()).isEqualTo("node-7");
    assertThat(read.port()).isZero();
    assertThat(read.weight()).isEqualTo(ServiceInstance.DEFAULT_WEIGHT);
    assertThat(read.registeredAt()).isEqualTo(Instant.EPOCH);
    assertThat(read.zone()).isNull();
  }

  @Test
  void curatorDisabledFlagMeansNotUp() {
    ServiceInstance read = InstanceCodec.curator().decode("svc", "n",
        "{\"address\":\"h\",\"port\":1,\"enabled\":false,\"payload\":null}".getBytes(UTF_8));
    assertThat(read.status()).isEqualTo(Status.OUT_OF_SERVICE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{", "{\"name\":\"s\",\"address\":\"h\",\"port\":", "[1,2]", "\"text\"", "null",
      "{\"port\":1}", "{\"address\":\"\"}"})
  void garbageIsAFormatErrorNotACrash(String data) {
    assertThatThrownBy(() -> InstanceCodec.springCloud().decode("s", "n", data.getBytes(UTF_8)))
        .isInstanceOf(InstanceFormatException.class)
        .hasMessageNotContaining("Exception");
  }

  @Test
  void binaryGarbageIsAFormatError() {
    byte[] data = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80};
    assertThatThrownBy(() -> InstanceCodec.springCloud().decode("s", "n", data))
        .isInstanceOf(InstanceFormatException.class);
  }
}
