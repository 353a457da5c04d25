package dev.roster.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.Bytes;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The raw, ServerSet, Nerve and detecting codecs on their own, without a server. */
class ForeignCodecsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "127.0.0.1:9001|127.0.0.1|9001",
      "localhost:80|localhost|80",
      "' db-3.internal:5432\t'|db-3.internal|5432",
      "[::1]:9000|::1|9000",
      "[2001:db8::7]:65535|2001:db8::7|65535"})
  void rawParsesExactlyHostPort(String data, String host, int port) {
    ServiceInstance read = InstanceCodec.raw().decode("servers", "server0000000001", data.getBytes(UTF_8));
    assertThat(read.address()).isEqualTo(host);
    assertThat(read.port()).isEqualTo(port);
    assertThat(read.id()).isEqualTo("server0000000001");
    assertThat(read.service()).isEqualTo("servers");
    assertThat(read.payload()).isEqualTo(Bytes.ofUtf8(data));
    assertThat(read.status()).isEqualTo(Status.UP);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "hello", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
      "127.0.0.1:80x", "::1:9000", "http://h:80", "h :80", "{\"host\":\"h\",\"port\":1}", "a:b:80", "[::1]",
      "[]:80", "[h]:80", "hé:80"})
  void rawKeepsAnythingElseAsOpaqueBytesWithoutAnAddress(String data) {
    ServiceInstance read = InstanceCodec.raw().decode("servers", "n", data.getBytes(UTF_8));
    assertThat(read.address()).isEmpty();
    assertThat(read.port()).isZero();
    assertThat(read.payload().toByteArray()).isEqualTo(data.getBytes(UTF_8));
  }

  @Test
  void rawNeverFailsEvenOnBinaryOrMissingData() {
    byte[] binary = {(byte) 0xca, (byte) 0xfe, 0, 1};
    assertThat(InstanceCodec.raw().decode("s", "n", binary).payload().toByteArray()).isEqualTo(binary);
    assertThat(InstanceCodec.raw().decode("s", "n", null).payload()).isEqualTo(Bytes.EMPTY);
  }

  @Test
  void rawWritesThePayloadWhenThereIsOneElseHostPort() {
    ServiceInstance plain = ServiceInstance.builder("servers").id("s1").address("127.0.0.1").port(9001).build();
    assertThat(InstanceCodec.raw().encode(plain)).isEqualTo("127.0.0.1:9001".getBytes(UTF_8));
    assertThat(InstanceCodec.raw().encode(ServiceInstance.builder("servers").address("::1").port(1).build()))
        .isEqualTo("[::1]:1".getBytes(UTF_8));
    byte[] blob = {1, 2, 3, (byte) 0xff};
    assertThat(InstanceCodec.raw().encode(plain.toBuilder().payload(blob).build())).isEqualTo(blob);
    assertThat(InstanceCodec.raw().canEncode()).isTrue();
  }

  @Test
  void serverSetStatusFollowsFinaglesRuleThatOnlyAliveIsRouted() {
    String base = "{\"serviceEndpoint\":{\"host\":\"h\",\"port\":1}";
    assertThat(serverSetStatus(base + ",\"status\":\"ALIVE\"}")).isEqualTo(Status.UP);
    assertThat(serverSetStatus(base + ",\"status\":\"STARTING\"}")).isEqualTo(Status.STARTING);
    assertThat(serverSetStatus(base + ",\"status\":\"STOPPING\"}")).isEqualTo(Status.DRAINING);
    for (String other : new String[] {"DEAD", "STOPPED", "WARNING", "UNKNOWN", "bogus"}) {
      assertThat(serverSetStatus(base + ",\"status\":\"" + other + "\"}")).as(other).isEqualTo(Status.OUT_OF_SERVICE);
    }
    assertThat(serverSetStatus(base + "}")).isEqualTo(Status.OUT_OF_SERVICE);
  }

  private static Status serverSetStatus(String json) {
    return InstanceCodec.serverSet().decode("s", "member_1", json.getBytes(UTF_8)).status();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{", "[]", "{\"status\":\"ALIVE\"}", "{\"serviceEndpoint\":{\"host\":\"h\"}}",
      "{\"serviceEndpoint\":\"h:1\"}"})
  void serverSetWithoutAnEndpointIsAFormatError(String json) {
    assertThatThrownBy(() -> InstanceCodec.serverSet().decode("s", "member_1", json.getBytes(UTF_8)))
        .isInstanceOf(InstanceFormatException.class);
  }

  @Test
  void nerveDefaultsAndReservedLabels() {
    ServiceInstance read = InstanceCodec.nerve().decode("s", "i-1_0000000001",
        "{\"host\":\"h\",\"port\":\"81\",\"labels\":{\"weight\":\"5\",\"instance_status\":\"DOWN\",\"az\":\"a\"},\"x\":1}"
            .getBytes(UTF_8));
    assertThat(read.port()).isEqualTo(81);
    assertThat(read.weight()).isEqualTo(ServiceInstance.DEFAULT_WEIGHT);
    assertThat(read.metadata()).containsExactly(java.util.Map.entry("az", "a"));
    assertThat(read.zone()).isNull();
    assertThat(read.status()).isEqualTo(Status.UP);
    assertThatThrownBy(() -> InstanceCodec.nerve().decode("s", "n", "{\"host\":\"h\"}".getBytes(UTF_8)))
        .isInstanceOf(InstanceFormatException.class).hasMessageContaining("Nerve");
  }

  @Test
  void detectingRecognisesEachFormatPerNode() {
    InstanceCodec d = InstanceCodec.detecting();
    assertThat(d.decode("s", "a", "{\"address\":\"h\",\"port\":1}".getBytes(UTF_8)).address()).isEqualTo("h");
    assertThat(d.decode("s", "b", "{\"serviceEndpoint\":{\"host\":\"h2\",\"port\":2},\"status\":\"ALIVE\"}"
        .getBytes(UTF_8)).port()).isEqualTo(2);
    assertThat(d.decode("s", "c", "{\"host\":\"h3\",\"port\":3}".getBytes(UTF_8)).address()).isEqualTo("h3");
    assertThat(d.decode("s", "d", "h4:4".getBytes(UTF_8)).port()).isEqualTo(4);
    // A JSON object of no known format is somebody's opaque data.
    ServiceInstance unknown = d.decode("s", "e", "{\"foo\":1}".getBytes(UTF_8));
    assertThat(unknown.address()).isEmpty();
    assertThat(unknown.payload().toUtf8()).isEqualTo("{\"foo\":1}");
    // JSON that is broken, or Curator JSON without an address, is a broken instance: skipped.
    assertThatThrownBy(() -> d.decode("s", "f", "  {\"address\":\"h\",\"po".getBytes(UTF_8)))
        .isInstanceOf(InstanceFormatException.class).hasMessageContaining("starts like a JSON object");
    assertThatThrownBy(() -> d.decode("s", "g", "{\"payload\":{},\"port\":1}".getBytes(UTF_8)))
        .isInstanceOf(InstanceFormatException.class).hasMessageContaining("address");
  }

  @Test
  void readOnlyCodecsSaySoAndNameTheInstance() {
    ServiceInstance i = ServiceInstance.builder("payments").id("p1").address("h").port(1).build();
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.serverSet(), InstanceCodec.nerve(),
        InstanceCodec.detecting()}) {
      assertThat(codec.canEncode()).as(codec.name()).isFalse();
      assertThatThrownBy(() -> codec.encode(i)).as(codec.name())
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessage("codec '" + codec.name() + "' is read-only: it cannot write instance 'payments/p1';"
              + " register with InstanceCodec.springCloud(), curator() or raw()");
    }
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.springCloud(), InstanceCodec.curator(),
        InstanceCodec.curator(false), InstanceCodec.raw()}) {
      assertThat(codec.canEncode()).as(codec.name()).isTrue();
    }
  }
}
