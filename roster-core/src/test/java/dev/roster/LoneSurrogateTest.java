package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.codec.InstanceCodec;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lone UTF-16 surrogates in what the builder takes. Found by {@link InstanceBuilderGeneratedTest}
 * (seed 4478690100259234947, case 286).
 */
class LoneSurrogateTest {

  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of("metadata value", (UnaryOperator<ServiceInstance.Builder>) b -> b.metadata("k", "v\udc00x")),
        Arguments.of("zone", (UnaryOperator<ServiceInstance.Builder>) b -> b.zone("eu\ud800")),
        Arguments.of("address", (UnaryOperator<ServiceInstance.Builder>) b -> b.address("h\ud800")));
  }

  /** In a JSON string value Jackson writes and reads a lone surrogate as a {@code \\uD800} escape. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void aLoneSurrogateInAValueComesBackUnchanged(String field, UnaryOperator<ServiceInstance.Builder> set) {
    ServiceInstance built = set.apply(ServiceInstance.builder("svc").id("i").address("h").port(1)).build();
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.springCloud(), InstanceCodec.curator()}) {
      assertThat(codec.decode("svc", "i", codec.encode(built))).as("%s", codec).isEqualTo(built);
    }
  }

  /**
   * Bug: the builder takes {@code "k\uD800"} as a metadata key, the JSON codecs write it as a
   * field name with a {@code \\uD800} escape, and Jackson's reader refuses every such node
   * ("Broken surrogate pair in field name"): the registration succeeds and no reader, Roster's
   * own views included, can ever decode it. The fix is for {@code Validation.metadataKey} to
   * refuse unpaired surrogates as it refuses control characters. Until then this stays
   * disabled and {@link InstanceBuilderGeneratedTest} leaves lone surrogates out of keys.
   */
  @Disabled("bug: a metadata key with a lone surrogate is accepted but its node cannot be read back")
  @Test
  void aLoneSurrogateInAMetadataKeyIsRefusedOrComesBackUnchanged() {
    ServiceInstance built;
    try {
      built = ServiceInstance.builder("svc").id("i").address("h").port(1).metadata("k\ud800", "v").build();
    } catch (IllegalArgumentException refused) {
      assertThat(refused).hasMessageStartingWith("metadata key");
      return;
    }
    for (InstanceCodec codec : new InstanceCodec[] {InstanceCodec.springCloud(), InstanceCodec.curator()}) {
      assertThat(codec.decode("svc", "i", codec.encode(built))).as("%s", codec).isEqualTo(built);
    }
  }
}
