package dev.roster.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.Status;
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
    // Curator's compatible mode, as Spring writes: readers before CURATOR-394's fix stay happy.
    assertThat(json.has("enabled")).isFalse();
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
  void nonCompatibleModeWritesEnabledAsStatusIsUp() throws Exception {
    assertThat(JSON.readTree(InstanceCodec.curator(false).encode(instance)).get("enabled").asBoolean()).isFalse();
    ServiceInstance up = instance.toBuilder().status(Status.UP).build();
    assertThat(JSON.readTree(InstanceCodec.curator(false).encode(up)).get("enabled").asBoolean()).isTrue();
    assertThat(JSON.readTree(InstanceCodec.curator(true).encode(up)).has("enabled")).isFalse();
    assertThat(InstanceCodec.curator(false).decode("payments", "payments-1", InstanceCodec.curator(false).encode(up)))
        .isEqualTo(up);
  }

  @Test
  void uriSpecRoundTripsInCuratorsPartsAndCanBeAbsent() throws Exception {
    ServiceInstance custom = instance.toBuilder().uriSpec("{scheme}://{address}:{port}/v1/{[}x{]}").build();
    JsonNode parts = JSON.readTree(InstanceCodec.curator().encode(custom)).get("uriSpec").get("parts");
    assertThat(parts).hasSize(9);
    assertThat(parts.get(5).get("value").asText()).isEqualTo("/v1/");
    assertThat(parts.get(6).get("value").asText()).isEqualTo("[");
    assertThat(parts.get(6).get("variable").asBoolean()).isTrue();
    assertThat(InstanceCodec.curator().decode("payments", "payments-1", InstanceCodec.curator().encode(custom)))
        .isEqualTo(custom);

    ServiceInstance none = instance.toBuilder().uriSpec(null).build();
    assertThat(JSON.readTree(InstanceCodec.springCloud().encode(none)).get("uriSpec").isNull()).isTrue();
    assertThat(InstanceCodec.springCloud().decode("payments", "payments-1", InstanceCodec.springCloud().encode(none)))
        .isEqualTo(none);
    // Variable names are trimmed as Curator's parser trims them, so what is read back is equal.
    assertThat(instance.toBuilder().uriSpec("{ scheme }://x").build().uriSpec()).isEqualTo("{scheme}://x");
  }

  @Test
  void curatorsServiceTypeIsRead() {
    String json = "{\"address\":\"h\",\"port\":1,\"serviceType\":\"PERMANENT\"}";
    assertThat(InstanceCodec.curator().decode("s", "i", json.getBytes(UTF_8)).serviceType())
        .isEqualTo(ServiceInstance.ServiceType.PERMANENT);
    String future = "{\"address\":\"h\",\"port\":1,\"serviceType\":\"SOMETHING_NEW\"}";
    assertThat(InstanceCodec.curator().decode("s", "i", future.getBytes(UTF_8)).serviceType())
        .isEqualTo(ServiceInstance.ServiceType.DYNAMIC);
    // Roster registers ephemeral nodes only; a read PERMANENT instance cannot be registered as is.
    ServiceInstance permanent = InstanceCodec.curator().decode("s", "i", json.getBytes(UTF_8));
    assertThatThrownBy(permanent::validate).hasMessage(
        "service type PERMANENT: Roster registers ephemeral nodes only; expected DYNAMIC");
    assertThat(permanent.toBuilder().build().serviceType()).isEqualTo(ServiceInstance.ServiceType.DYNAMIC);
  }

  @Test
  void aCustomCuratorPayloadStaysVisibleAsMetadata() {
    String json = "{\"address\":\"h\",\"port\":1,\"payload\":{\"@class\":\"com.example.Details\","
        + "\"description\":\"primary\",\"shards\":[1,2],\"metadata\":{\"description\":\"wins\"}}}";
    ServiceInstance read = InstanceCodec.curator().decode("s", "i", json.getBytes(UTF_8));
    assertThat(read.metadata()).containsEntry("description", "wins").containsEntry("shards", "[1,2]")
        .doesNotContainKey("@class");
    // A scalar payload, as Jackson writes Curator's ServiceInstance<String>.
    String scalar = "{\"address\":\"h\",\"port\":1,\"payload\":[\"java.lang.String\",\"hello\"]}";
    assertThat(InstanceCodec.curator().decode("s", "i", scalar.getBytes(UTF_8)).metadata())
        .containsExactly(java.util.Map.entry("payload", "hello"));
    // Dubbo's ZookeeperInstance has Spring's shape: its id and name are not metadata.
    String dubbo = "{\"address\":\"h\",\"port\":1,\"payload\":{\"@class\":"
        + "\"org.apache.dubbo.registry.zookeeper.ZookeeperInstance\",\"id\":\"x\",\"name\":\"s\","
        + "\"metadata\":{\"dubbo.metadata.revision\":\"abc\"}}}";
    assertThat(InstanceCodec.curator().decode("s", "i", dubbo.getBytes(UTF_8)).metadata())
        .containsExactly(java.util.Map.entry("dubbo.metadata.revision", "abc"));
  }

  @Test
  void opaqueBytesAreRefusedRatherThanDropped() {
    ServiceInstance withBytes = instance.toBuilder().payload(new byte[] {1, 2}).build();
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.springCloud(), InstanceCodec.curator()}) {
      assertThatThrownBy(() -> codec.encode(withBytes)).as(codec.name())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("payload Bytes[2: 0x0102]: codec '" + codec.name() + "' has no place for opaque bytes;"
              + " register with InstanceCodec.raw(), or carry the data in metadata");
    }
  }

  @Test
  void metadataNamedLikeAPayloadFieldSurvivesTheRoundTrip() {
    ServiceInstance withStatusKey = instance.toBuilder().metadata("status", "x").metadata("id", "y").build();
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.curator(), InstanceCodec.springCloud()}) {
      assertThat(codec.decode("payments", "payments-1", codec.encode(withStatusKey))).as(codec.name())
          .isEqualTo(withStatusKey);
    }
  }

  /** Counts initialisations of {@link Tripwire}, without touching it. */
  static final class TripwireCount {
    static final java.util.concurrent.atomic.AtomicInteger INITIALIZED = new java.util.concurrent.atomic.AtomicInteger();
  }

  /** A class on the classpath that data can name; Jackson's polymorphic typing would initialise it. */
  static final class Tripwire {
    static {
      TripwireCount.INITIALIZED.incrementAndGet();
    }
  }

  @Test
  void aLoadableClassNamedByTheDataIsNeverLoadedEither() {
    String json = "{\"address\":\"h\",\"port\":1,\"payload\":{\"@class\":\"" + Tripwire.class.getName()
        + "\",\"metadata\":{\"k\":\"v\"}}}";
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.springCloud(), InstanceCodec.curator(),
        InstanceCodec.detecting()}) {
      assertThat(codec.decode("s", "i", json.getBytes(UTF_8)).metadata()).containsEntry("k", "v");
    }
    assertThat(TripwireCount.INITIALIZED).hasValue(0);
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

  @Test
  void everyMetadataKeyTheCodecReadsAsAnAttributeIsRefusedByTheBuilder() {
    // The writer's rule lives in internal.Validation, the reader's set here; they must agree,
    // or a metadata entry would be written and then vanish on the way back.
    assertThat(JsonInstanceCodec.RESERVED_METADATA_KEYS).isNotEmpty().allSatisfy(key ->
        assertThatThrownBy(() -> ServiceInstance.builder("payments").metadata(key, "x"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved"));
  }
}
