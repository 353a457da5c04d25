package dev.roster.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.Bytes;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.Status;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact bytes of every format, kept in {@code src/test/resources/golden}. A change to any
 * writer that moves a byte fails here, and so does a reader that stops understanding a file
 * some other tool wrote.
 */
class GoldenFilesTest {

  static Stream<Arguments> writable() {
    return Stream.of(
        Arguments.of("curator-compat.json", InstanceCodec.curator()),
        Arguments.of("curator-non-compat.json", InstanceCodec.curator(false)),
        Arguments.of("spring-cloud.json", InstanceCodec.springCloud()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writable")
  void rosterWritesTheGoldenBytesAndReadsThemBack(String file, InstanceCodec codec) {
    byte[] golden = Golden.bytes(file);
    assertThat(new String(codec.encode(Golden.instance()), UTF_8)).isEqualTo(new String(golden, UTF_8));
    assertThat(codec.decode("payments", "payments-1", golden)).isEqualTo(Golden.instance());
    // Every reader reads every writable form, the detecting one included.
    for (InstanceCodec reader : new InstanceCodec[] {InstanceCodec.springCloud(), InstanceCodec.curator(),
        InstanceCodec.detecting()}) {
      assertThat(reader.decode("payments", "payments-1", golden)).as(reader.name()).isEqualTo(Golden.instance());
    }
  }

  @Test
  void compatibleModeIsNonCompatibleModeWithoutEnabled() {
    String compat = new String(Golden.bytes("curator-compat.json"), UTF_8);
    String nonCompat = new String(Golden.bytes("curator-non-compat.json"), UTF_8);
    assertThat(compat).doesNotContain("\"enabled\"");
    assertThat(nonCompat).isEqualTo(compat.substring(0, compat.length() - 1) + ",\"enabled\":false}");
    assertThat(new String(Golden.bytes("spring-cloud.json"), UTF_8)).doesNotContain("\"enabled\"");
  }

  @Test
  void rawIsHostPortAndReadsBackWithItsBytesAsPayload() {
    byte[] golden = Golden.bytes("raw.bin");
    assertThat(golden).isEqualTo("10.0.0.5:8080".getBytes(UTF_8));
    assertThat(InstanceCodec.raw().encode(Golden.instance())).isEqualTo(golden);
    ServiceInstance read = InstanceCodec.raw().decode("servers", "server0000000003", golden);
    assertThat(read).isEqualTo(new ServiceInstance("servers", "server0000000003", "10.0.0.5", 8080, 0, null,
        ServiceInstance.DEFAULT_WEIGHT, Map.of(), Status.UP, Instant.EPOCH, null,
        ServiceInstance.ServiceType.DYNAMIC, Bytes.of(golden)));
    // What was read writes the same bytes back.
    assertThat(InstanceCodec.raw().encode(read)).isEqualTo(golden);
    assertThat(InstanceCodec.detecting().decode("servers", "server0000000003", golden)).isEqualTo(read);
  }

  @Test
  void curatorWrittenFilesAreWhatCuratorWritesAndRosterReadsEveryField() {
    // The files are Curator's own output: re-serializing with Curator 5.9.0 gives the same bytes.
    assertThat(Golden.bytes("curator-written-compat.json")).isEqualTo(Foreign.curatorBytes("curator-1", true));
    assertThat(Golden.bytes("curator-written-non-compat.json")).isEqualTo(Foreign.curatorBytes("curator-1", false));

    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("owner", "team-a"); // the user's own payload field, kept visible
    metadata.put("version", "2.0.0");
    ServiceInstance expected = new ServiceInstance("payments", "curator-1", "10.0.0.6", 8080, 8443, "eu-west-1b", 30,
        metadata, Status.UP, Instant.ofEpochMilli(Foreign.REGISTERED_AT), "{scheme}://{address}:{port}/api",
        ServiceInstance.ServiceType.DYNAMIC, Bytes.EMPTY);
    for (InstanceCodec reader : new InstanceCodec[] {InstanceCodec.springCloud(), InstanceCodec.curator(),
        InstanceCodec.detecting()}) {
      // Compatible mode drops "enabled": the payload's status is all there is.
      assertThat(reader.decode("payments", "curator-1", Golden.bytes("curator-written-compat.json")))
          .as(reader.name()).isEqualTo(expected);
      // Non-compatible mode says enabled=false, which wins over the payload's UP.
      assertThat(reader.decode("payments", "curator-1", Golden.bytes("curator-written-non-compat.json")))
          .as(reader.name()).isEqualTo(expected.toBuilder().status(Status.OUT_OF_SERVICE).build());
    }
  }

  @Test
  void springWrittenFileIsWhatSpringWritesAndRosterReadsIt() {
    assertThat(Golden.bytes("spring-written.json")).isEqualTo(Foreign.springBytes("spring-1"));
    ServiceInstance expected = new ServiceInstance("payments", "spring-1", "10.0.0.7", 8080, 0, "eu-west-1c",
        ServiceInstance.DEFAULT_WEIGHT, Map.of("version", "3.0.0"), Status.UP,
        Instant.ofEpochMilli(Foreign.REGISTERED_AT), ServiceInstance.DEFAULT_URI_SPEC,
        ServiceInstance.ServiceType.DYNAMIC, Bytes.EMPTY);
    assertThat(InstanceCodec.springCloud().decode("payments", "spring-1", Golden.bytes("spring-written.json")))
        .isEqualTo(expected);
    assertThat(InstanceCodec.detecting().decode("payments", "spring-1", Golden.bytes("spring-written.json")))
        .isEqualTo(expected);
  }

  @Test
  void serverSetIsReadWithEveryField() {
    byte[] golden = Golden.bytes("serverset.json");
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("shard", "3");
    metadata.put("endpoint.aurora", "10.0.0.8:31000");
    metadata.put("endpoint.health", "10.0.0.8:31001");
    ServiceInstance expected = Golden.foreign("member_0000000007", "10.0.0.8", 31000, null,
        ServiceInstance.DEFAULT_WEIGHT, metadata, Status.UP);
    assertThat(InstanceCodec.serverSet().decode("payments", "member_0000000007", golden)).isEqualTo(expected);
    assertThat(InstanceCodec.detecting().decode("payments", "member_0000000007", golden)).isEqualTo(expected);
    assertThatThrownBy(() -> InstanceCodec.serverSet().encode(expected))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("codec 'serverset' is read-only")
        .hasMessageContaining("payments/member_0000000007");
  }

  @Test
  void nerveIsReadWithEveryField() {
    byte[] golden = Golden.bytes("nerve.json");
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("version", "4.1.0");
    metadata.put("name", "i-0abc123");
    ServiceInstance expected = Golden.foreign("i-0abc123_0000000042", "10.0.0.9", 8080, "us-east-1a", 40,
        metadata, Status.UP);
    assertThat(InstanceCodec.nerve().decode("payments", "i-0abc123_0000000042", golden)).isEqualTo(expected);
    assertThat(InstanceCodec.detecting().decode("payments", "i-0abc123_0000000042", golden)).isEqualTo(expected);
    assertThatThrownBy(() -> InstanceCodec.nerve().encode(expected))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("codec 'nerve' is read-only");
  }
}
