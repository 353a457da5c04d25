package dev.roster.codec;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The seed of a generated test: {@code -Droster.fuzz.seed=N} to replay one, else a new one each
 * run. Every failure message carries it, so any failure found once can be replayed.
 */
public final class FuzzSeed {
  private FuzzSeed() {}

  /** The seed to use for this run. */
  public static long get() {
    Long given = Long.getLong("roster.fuzz.seed");
    return given != null ? given : ThreadLocalRandom.current().nextLong();
  }

  /** The words every failure message starts with: how to run this case again. */
  public static String replay(long seed, int caseNumber) {
    return "case " + caseNumber + " of seed " + seed + " (replay with -Droster.fuzz.seed=" + seed + ")";
  }
}
