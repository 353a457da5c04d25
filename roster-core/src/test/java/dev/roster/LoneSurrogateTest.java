package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.codec.InstanceCodec;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
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
   * The JSON codecs would write {@code "k\uD800"} as a field name with a {@code \\uD800}
   * escape, which Jackson's reader refuses ("Broken surrogate pair in field name"), so no
   * reader could ever decode the node: the builder refuses such a key, naming it.
   */
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
