package dev.roster.embedded;

import java.time.Duration;
import java.util.Objects;

/** Checks of the durations the server builders take: ZooKeeper holds them as int milliseconds. */
final class Durations {
  private Durations() {}

  /**
   * {@code value} in milliseconds, from 1 to {@link Integer#MAX_VALUE}.
   *
   * @throws IllegalArgumentException naming {@code name} and showing the value otherwise
   */
  static int positiveMillis(String name, Duration value) {
    Objects.requireNonNull(value, name);
    long millis;
    try {
      millis = value.toMillis();
    } catch (ArithmeticException e) {
      millis = Long.MAX_VALUE;
    }
    if (millis < 1 || millis > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          name + " " + value + ": must be from 1 ms to " + Integer.MAX_VALUE + " ms");
    }
    return (int) millis;
  }
}
