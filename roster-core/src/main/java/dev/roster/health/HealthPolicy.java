package dev.roster.health;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a {@link HealthCheck} runs and how many results in a row change the verdict,
 * as HAProxy's {@code inter}, {@code timeout}, {@code rise} and {@code fall} do. Immutable;
 * build one with {@link #builder()}.
 *
 * <pre>{@code
 * HealthPolicy policy = HealthPolicy.builder()
 *     .interval(Duration.ofSeconds(5)).timeout(Duration.ofSeconds(2))
 *     .rise(2).fall(3)
 *     .build();
 * }</pre>
 */
public final class HealthPolicy {
  private final Duration interval;
  private final Duration timeout;
  private final int rise;
  private final int fall;
  private final Duration drainGrace;

  private HealthPolicy(Builder b) {
    this.interval = b.interval;
    this.timeout = b.timeout;
    this.rise = b.rise;
    this.fall = b.fall;
    this.drainGrace = b.drainGrace;
  }

  /**
   * Starts a policy with the defaults: every 5 s, 2 s timeout, rise 2, fall 3, 1 s drain grace.
   *
   * @return a builder with the default settings
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The pause between the end of one check and the start of the next; default 5 s.
   *
   * @return the pause between checks
   */
  public Duration interval() {
    return interval;
  }

  /**
   * How long one check may take before it counts as failed; default 2 s.
   *
   * @return the longest one check may take
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * How many passing checks in a row bring the instance up; default 2.
   *
   * @return the number of passing checks in a row that bring the instance up
   */
  public int rise() {
    return rise;
  }

  /**
   * How many failing checks in a row take the instance down; default 3.
   *
   * @return the number of failing checks in a row that take the instance down
   */
  public int fall() {
    return fall;
  }

  /**
   * How long an instance taken down by its checks stays registered as DRAINING before it is
   * deregistered, so watchers see it stop taking traffic before it disappears; default 1 s.
   *
   * @return how long a failing instance stays registered as DRAINING
   */
  public Duration drainGrace() {
    return drainGrace;
  }

  /**
   * A builder holding this policy's settings, for copy-and-modify.
   *
   * @return a new builder holding this policy's settings
   */
  public Builder toBuilder() {
    return new Builder().interval(interval).timeout(timeout).rise(rise).fall(fall).drainGrace(drainGrace);
  }

  @Override
  public String toString() {
    return "HealthPolicy[every " + interval.toMillis() + " ms, timeout " + timeout.toMillis() + " ms, rise "
        + rise + ", fall " + fall + ", drain grace " + drainGrace.toMillis() + " ms]";
  }

  /** Builds a {@link HealthPolicy}; every setter checks its argument at once. */
  public static final class Builder {
    private static final Duration MAX = Duration.ofDays(1);

    private Duration interval = Duration.ofSeconds(5);
    private Duration timeout = Duration.ofSeconds(2);
    private int rise = 2;
    private int fall = 3;
    private Duration drainGrace = Duration.ofSeconds(1);

    private Builder() {}

    /**
     * The pause between the end of one check and the start of the next; positive, at most a day.
     *
     * @param interval the pause between checks
     * @return this builder
     */
    public Builder interval(Duration interval) {
      this.interval = positive("interval", interval);
      return this;
    }

    /**
     * How long one check may take; positive, at most a day.
     *
     * @param timeout the longest one check may take
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      this.timeout = positive("timeout", timeout);
      return this;
    }

    /**
     * How many passing checks in a row bring the instance up; at least 1.
     *
     * @param rise the number of passing checks in a row that bring the instance up
     * @return this builder
     */
    public Builder rise(int rise) {
      this.rise = atLeastOne("rise", rise);
      return this;
    }

    /**
     * How many failing checks in a row take the instance down; at least 1.
     *
     * @param fall the number of failing checks in a row that take the instance down
     * @return this builder
     */
    public Builder fall(int fall) {
      this.fall = atLeastOne("fall", fall);
      return this;
    }

    /**
     * How long an instance taken down stays registered as DRAINING before it is removed;
     * zero to at most a day. With zero, watchers may see only the removal.
     *
     * @param grace how long a failing instance stays registered as DRAINING
     * @return this builder
     */
    public Builder drainGrace(Duration grace) {
      Objects.requireNonNull(grace, "drain grace");
      if (grace.isNegative() || grace.compareTo(MAX) > 0) {
        throw new IllegalArgumentException("drain grace " + grace + ": must be zero to one day");
      }
      this.drainGrace = grace;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return a new policy with the settings made so far and the defaults for the rest
     */
    public HealthPolicy build() {
      return new HealthPolicy(this);
    }

    private static Duration positive(String field, Duration value) {
      Objects.requireNonNull(value, field);
      if (value.isNegative() || value.isZero() || value.compareTo(MAX) > 0) {
        throw new IllegalArgumentException(field + " " + value + ": must be positive and at most one day");
      }
      return value;
    }

    private static int atLeastOne(String field, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(field + " " + value + ": must be >= 1");
      }
      return value;
    }
  }
}
