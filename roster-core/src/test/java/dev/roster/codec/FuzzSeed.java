package dev.roster.codec;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The seed of a generated test: a fixed one by default, so that every build runs the same
 * cases and the suite stays deterministic; {@code -Droster.fuzz.seed=N} to replay one, and
 * {@code -Droster.fuzz.seed=random} for a new one (to look for new bugs). Every failure message
 * carries it, so any failure found once can be replayed.
 */
public final class FuzzSeed {
  private FuzzSeed() {}

  /** The seed of every build unless {@code roster.fuzz.seed} says otherwise. */
  public static final long DEFAULT = 20_261_201L;

  /** The seed to use for this run. */
  public static long get() {
    String given = System.getProperty("roster.fuzz.seed");
    if (given == null || given.isBlank()) {
      return DEFAULT;
    }
    return given.equals("random") ? ThreadLocalRandom.current().nextLong() : Long.parseLong(given.strip());
  }

  /** The words every failure message starts with: how to run this case again. */
  public static String replay(long seed, int caseNumber) {
    return "case " + caseNumber + " of seed " + seed + " (replay with -Droster.fuzz.seed=" + seed + ")";
  }
}
