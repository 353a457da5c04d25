package dev.roster.internal;

import java.time.Duration;
import java.util.Objects;

/** The grace of a graceful deregistration: drained, then this long before the node goes. */
final class Grace {
  private Grace() {}

  /** Refuses a missing or negative grace. */
  static void check(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace " + grace + ": must not be negative");
    }
  }

  /** Waits the grace out; an interrupt cuts it short (and stays set), the deregistration still follows. */
  static void waitOut(Duration grace) {
    if (grace.isZero()) {
      return;
    }
    try {
      Thread.sleep(grace.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
