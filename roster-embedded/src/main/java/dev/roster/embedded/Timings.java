package dev.roster.embedded;

import java.time.Duration;
import java.util.Objects;

/**
 * The timings both server builders take, in ZooKeeper's int milliseconds: the tick, the bounds of
 * the session timeouts the server grants, and how often it deletes empty containers. A builder
 * holds one and replaces it at each setter; {@link #resolve()} fills in the defaults and checks
 * that they agree, when the server starts.
 *
 * @param tickTimeMs the tick, at least 1
 * @param minSessionTimeoutMs 0 for the default, 2 ticks
 * @param maxSessionTimeoutMs 0 for the default, 20 ticks
 * @param containerCheckIntervalMs 0 for the default, 5 ticks
 */
record Timings(
    int tickTimeMs, int minSessionTimeoutMs, int maxSessionTimeoutMs, int containerCheckIntervalMs) {

  /** Every timing from the tick, as ZooKeeper derives them (but for the container check). */
  static Timings ofTick(int tickTimeMs) {
    return new Timings(tickTimeMs, 0, 0, 0);
  }

  Timings withTickTime(Duration tickTime) {
    return new Timings(
        positiveMillis("tick time", tickTime),
        minSessionTimeoutMs,
        maxSessionTimeoutMs,
        containerCheckIntervalMs);
  }

  Timings withMinSessionTimeout(Duration minSessionTimeout) {
    return new Timings(
        tickTimeMs,
        positiveMillis("minimum session timeout", minSessionTimeout),
        maxSessionTimeoutMs,
        containerCheckIntervalMs);
  }

  Timings withMaxSessionTimeout(Duration maxSessionTimeout) {
    return new Timings(
        tickTimeMs,
        minSessionTimeoutMs,
        positiveMillis("maximum session timeout", maxSessionTimeout),
        containerCheckIntervalMs);
  }

  Timings withContainerCheckInterval(Duration containerCheckInterval) {
    return new Timings(
        tickTimeMs,
        minSessionTimeoutMs,
        maxSessionTimeoutMs,
        positiveMillis("container check interval", containerCheckInterval));
  }

  /**
   * Returns these timings with every default filled in: session timeouts from 2 to 20 ticks, as in
   * ZooKeeper, and a check for empty containers every 5 ticks. ZooKeeper's own default for the
   * check is a minute, which would make every test that awaits a container's removal wait a
   * minute; 5 ticks is 10 s with ZooKeeper's default tick and half a second with a test's 100 ms.
   *
   * @throws IllegalArgumentException if the minimum session timeout exceeds the maximum
   */
  Timings resolve() {
    int min = minSessionTimeoutMs > 0 ? minSessionTimeoutMs : ticks(2);
    int max = maxSessionTimeoutMs > 0 ? maxSessionTimeoutMs : ticks(20);
    if (min > max) {
      throw new IllegalArgumentException(
          "session timeouts: minimum "
              + min
              + " ms > maximum "
              + max
              + " ms; expected minimum <= maximum");
    }
    int containers = containerCheckIntervalMs > 0 ? containerCheckIntervalMs : ticks(5);
    return new Timings(tickTimeMs, min, max, containers);
  }

  Duration tickTime() {
    return Duration.ofMillis(tickTimeMs);
  }

  Duration minSessionTimeout() {
    return Duration.ofMillis(minSessionTimeoutMs);
  }

  Duration maxSessionTimeout() {
    return Duration.ofMillis(maxSessionTimeoutMs);
  }

  private int ticks(int count) {
    return (int) Math.min(Integer.MAX_VALUE, (long) count * tickTimeMs);
  }

  /**
   * {@code value} in milliseconds, from 1 to {@link Integer#MAX_VALUE}.
   *
   * @throws IllegalArgumentException naming {@code name} and showing the value otherwise
   */
  private static int positiveMillis(String name, Duration value) {
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
