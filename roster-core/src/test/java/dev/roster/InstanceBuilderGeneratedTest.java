package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.codec.FuzzSeed;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * 10,000 generated inputs to {@link ServiceInstance#builder}: service names, ids, addresses,
 * ports, zones, weights, metadata keys and values and URI specs, each from valid names to
 * path tricks, control characters, lone surrogates and huge strings. {@link BuilderSafety}
 * says what must hold; {@code -Droster.fuzz.seed=N} replays a run.
 */
class InstanceBuilderGeneratedTest {
  static final int CASES = 10_000;

  private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-";
  /** Characters that have broken name handling somewhere: separators, escapes, invisible and invalid ones. */
  private static final String TRICKY = "/\\.\u0000\n\r\t \"'{}[]%?#*@$~\u007f\u0085\u00a0\u00e9\u4e2d\u2028\u200b"
      + "\ufeff\ufffd\ud800\udc00";
  private static final String[] SPECIALS = {"", ".", "..", "/", "a/b", "../x", "./x", "x/..", "%2F", "a%2Fb",
      "zookeeper", "\u0000", " ", "\t", "\ud83d\ude00", "\ud800", "con", "-", ":", "instance_status", "zone", "weight",
      "{scheme}://{address}:{port}", "{", "}", "{}", "{[}", "{ a }"};

  @Test
  void everyInputIsTakenOrRefusedByNameAndWhatIsTakenRoundTrips() {
    long seed = FuzzSeed.get();
    SplittableRandom master = new SplittableRandom(seed);
    int built = 0;
    for (int i = 0; i < CASES; i++) {
      SplittableRandom rng = master.split();
      BuilderSafety.Input in = new BuilderSafety.Input(text(rng), rng.nextInt(4) != 0, text(rng), host(rng),
          port(rng), rng.nextInt(3) == 0 ? port(rng) : 0, rng.nextInt(3) == 0 ? null : text(rng), weight(rng),
          metadata(rng), rng.nextInt(3) == 0 ? DEFAULT_SPEC : text(rng));
      if (BuilderSafety.check(in, FuzzSeed.replay(seed, i))) {
        built++;
      }
    }
    System.out.printf("InstanceBuilderGeneratedTest: %d cases, %d built, seed %d%n", CASES, built, seed);
    // Enough of both, or the generator has drifted to all-valid or all-invalid.
    assertThat(built).as("instances built, seed %d", seed).isBetween(CASES / 50, CASES - CASES / 50);
  }

  private static final String DEFAULT_SPEC = ServiceInstance.DEFAULT_URI_SPEC;

  /** A name-like string: mostly valid names, the rest tricky in every way a name can be. */
  private static @Nullable String text(SplittableRandom rng) {
    switch (rng.nextInt(16)) {
      case 0:
        return rng.nextInt(10) == 0 ? null : SPECIALS[rng.nextInt(SPECIALS.length)];
      case 1:
        return random(rng, NAME_CHARS, 250 + rng.nextInt(10)); // either side of 255
      case 2:
      case 3:
        return random(rng, NAME_CHARS + TRICKY, 1 + rng.nextInt(20));
      case 4:
        return random(rng, TRICKY, 1 + rng.nextInt(4));
      case 5:
        return anyChars(rng, 1 + rng.nextInt(rng.nextInt(50) == 0 ? 70_000 : 40));
      default:
        return random(rng, NAME_CHARS, 1 + rng.nextInt(30));
    }
  }

  private static @Nullable String host(SplittableRandom rng) {
    return switch (rng.nextInt(5)) {
      case 0 -> "10." + rng.nextInt(256) + "." + rng.nextInt(256) + "." + rng.nextInt(256);
      case 1 -> List.of("::1", "2001:db8::7", "fe80::1%eth0", "[::1]", "localhost", "h", "a:b").get(rng.nextInt(7));
      default -> text(rng);
    };
  }

  private static int port(SplittableRandom rng) {
    int[] edges = {Integer.MIN_VALUE, -1, 0, 1, 80, 65535, 65536, Integer.MAX_VALUE};
    return rng.nextBoolean() ? edges[rng.nextInt(edges.length)] : 1 + rng.nextInt(65535);
  }

  private static int weight(SplittableRandom rng) {
    int[] edges = {Integer.MIN_VALUE, -1, 0, 1, 100, 1_000_000, 1_000_001, Integer.MAX_VALUE};
    return rng.nextInt(3) == 0 ? edges[rng.nextInt(edges.length)] : rng.nextInt(1_000_001);
  }

  private static List<Map.Entry<String, String>> metadata(SplittableRandom rng) {
    int n = rng.nextInt(6);
    List<Map.Entry<String, String>> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String value = rng.nextInt(8) == 0 ? anyChars(rng, rng.nextInt(rng.nextInt(30) == 0 ? 100_000 : 100)) : text(rng);
      entries.add(new AbstractMap.SimpleEntry<>(text(rng), value));
    }
    return entries;
  }

  private static String random(SplittableRandom rng, String alphabet, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(rng.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  /** Any UTF-16 code units at all, lone surrogates included. */
  private static String anyChars(SplittableRandom rng, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append((char) (rng.nextInt(4) == 0 ? rng.nextInt(0x80) : rng.nextInt(0x10000)));
    }
    return s.toString();
  }
}
