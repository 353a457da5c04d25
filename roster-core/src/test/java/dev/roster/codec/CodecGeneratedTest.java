package dev.roster.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * 10,000 generated node data, through every codec (see {@link NodeDataGenerator} for what is
 * generated and {@link CodecSafety} for what must hold). {@code -Droster.fuzz.seed=N} replays
 * a run; every failure names its seed.
 */
class CodecGeneratedTest {
  static final int CASES = 10_000;

  @Test
  void noNodeDataEscapesTheCodecsOrLoadsAClass() {
    long seed = FuzzSeed.get();
    SplittableRandom master = new SplittableRandom(seed);
    int decoded = 0;
    int refused = 0;
    for (int i = 0; i < CASES; i++) {
      byte[] data = NodeDataGenerator.next(master.split());
      CodecSafety.Outcome outcome = CodecSafety.check(data, FuzzSeed.replay(seed, i));
      decoded += outcome.decoded();
      refused += outcome.refused();
    }
    System.out.printf("CodecGeneratedTest: %d cases x %d codecs, %d decoded, %d refused, seed %d%n", CASES,
        CodecSafety.CODECS.size(), decoded, refused, seed);
    // Both outcomes are exercised, or the generator has gone blind.
    assertThat(decoded).as("decoded, seed %d", seed).isGreaterThan(CASES);
    assertThat(refused).as("refused, seed %d", seed).isGreaterThan(CASES);
  }

  @Test
  void tenThousandLevelsOfNestingAreAFormatErrorNotAStackOverflow() {
    for (String open : new String[] {"[", "{\"a\":"}) {
      byte[] data = open.repeat(10_000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (InstanceCodec codec : CodecSafety.CODECS) {
        if (codec == InstanceCodec.raw() || (codec == InstanceCodec.detecting() && open.equals("["))) {
          continue; // opaque bytes to these: never parsed
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> codec.decode("svc", "n", data))
            .as("%s", codec).isInstanceOf(InstanceFormatException.class);
      }
    }
  }
}
