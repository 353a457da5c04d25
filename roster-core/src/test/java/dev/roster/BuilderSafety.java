package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.roster.codec.InstanceCodec;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.zookeeper.common.PathUtils;
import org.jspecify.annotations.Nullable;

/**
 * The one check that the fuzz and the generated tests make of builder input: every setter
 * either takes its value or throws {@link IllegalArgumentException} (or {@link
 * NullPointerException}) with a message that starts with the field's word; and an instance
 * that builds is valid for ZooKeeper as two path components, and comes back equal from every
 * JSON codec (its address and port from the raw one).
 */
final class BuilderSafety {
  /** Hosts the raw layout's {@code host:port} carries (its reader refuses anything odder). */
  private static final Pattern PLAIN_HOST = Pattern.compile("[A-Za-z0-9._:-]+");

  private static final List<InstanceCodec> JSON_CODECS =
      List.of(InstanceCodec.springCloud(), InstanceCodec.curator(), InstanceCodec.curator(false));

  private BuilderSafety() {}

  /** One case's inputs; null where the input is null. */
  record Input(@Nullable String service, boolean setId, @Nullable String id, @Nullable String address, int port, int sslPort,
      @Nullable String zone, int weight, List<Map.Entry<String, String>> metadata, @Nullable String uriSpec) {}

  /** Runs one case; true when it built an instance. */
  static boolean check(Input in, String replay) {
    ServiceInstance.Builder b = step("service name", replay, () -> ServiceInstance.builder(in.service()));
    if (b == null) {
      return false;
    }
    if (in.setId()) {
      if (step("instance id", replay, () -> b.id(in.id())) == null) {
        return false;
      }
    }
    if (step("address", replay, () -> b.address(in.address())) == null
        || step("port", replay, () -> b.port(in.port())) == null
        || step("ssl port", replay, () -> b.sslPort(in.sslPort())) == null
        || step("zone", replay, () -> b.zone(in.zone())) == null
        || step("weight", replay, () -> b.weight(in.weight())) == null) {
      return false;
    }
    for (Map.Entry<String, String> e : in.metadata()) {
      if (step("metadata", replay, () -> b.metadata(e.getKey(), e.getValue())) == null) {
        return false;
      }
    }
    if (step("uri spec", replay, () -> b.uriSpec(in.uriSpec())) == null) {
      return false;
    }
    ServiceInstance built;
    try {
      built = b.build();
    } catch (Throwable t) {
      fail("build() threw after every setter took its value: " + t + "; " + replay, t);
      return false;
    }
    checkBuilt(built, replay);
    return true;
  }

  /** An instance in a failure message: escaped, and cut where a huge value would drown the message. */
  static String shown(ServiceInstance instance) {
    return escaped(instance.toString(), 1500);
  }

  /** Control characters, non-ASCII and lone surrogates as {@code \\uXXXX}, so a message shows what is there. */
  static String escaped(@Nullable String value, int limit) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(limit, value.length()); i++) {
      char c = value.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return value.length() > limit ? out + "...(" + value.length() + " chars)" : out.toString();
  }

  private static <T> @Nullable T step(String field, String replay, Supplier<T> setter) {
    try {
      return setter.get();
    } catch (IllegalArgumentException | NullPointerException e) {
      assertThat(e.getMessage()).as("message of %s for %s; %s", e, field, replay).isNotNull().startsWith(field);
      return null;
    } catch (Throwable t) {
      fail("setting the " + field + " threw " + t + "; " + replay, t);
      return null;
    }
  }

  private static void checkBuilt(ServiceInstance built, String replay) {
    try {
      built.validate();
      PathUtils.validatePath("/services/" + built.service() + "/" + built.id());
    } catch (Throwable t) {
      fail("built an instance that is not valid to write: " + t + "; " + replay + "; " + shown(built), t);
    }
    for (String component : List.of(built.service(), built.id())) {
      assertThat(component).as("path component; %s", replay).isNotEmpty().doesNotContain("/")
          .isNotIn(".", "..").hasSizeLessThanOrEqualTo(255);
    }
    for (InstanceCodec codec : JSON_CODECS) {
      ServiceInstance back;
      try {
        back = codec.decode(built.service(), built.id(), codec.encode(built));
      } catch (Throwable t) {
        fail(codec + " could not carry the instance: " + t + "; " + replay + "; " + shown(built), t);
        return;
      }
      assertThat(back.equals(built)).as("%s round trip; %s; %s came back as %s", codec, replay, shown(built),
          shown(back)).isTrue();
    }
    ServiceInstance raw = InstanceCodec.raw().decode(built.service(), built.id(), InstanceCodec.raw().encode(built));
    if (PLAIN_HOST.matcher(built.address()).matches() && !built.address().startsWith(":")
        && !built.address().endsWith(":")) {
      assertThat(raw.address()).as("raw address round trip; %s", replay).isEqualTo(built.address());
      assertThat(raw.port()).as("raw port round trip; %s", replay).isEqualTo(built.port());
    }
  }
}
