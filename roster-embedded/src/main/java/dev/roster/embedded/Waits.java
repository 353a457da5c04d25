package dev.roster.embedded;

import java.time.Duration;

/** The pauses of the ensemble's polling loops, and durations as their messages print them. */
final class Waits {
  private Waits() {}

  /**
   * Sleeps between two looks at something that has no event to wait on (a process's state, a
   * server's answer).
   *
   * @throws IllegalStateException if interrupted, saying {@code what} was going on; the interrupt
   *     flag is set again
   */
  static void sleep(long millis, String what) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
    }
  }

  /** {@code "60 s"}, or {@code "1500 ms"} when not whole seconds. */
  static String describe(Duration duration) {
    return duration.toMillis() % 1_000 == 0
        ? duration.toSeconds() + " s"
        : duration.toMillis() + " ms";
  }
}
