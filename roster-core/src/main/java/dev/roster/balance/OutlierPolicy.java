package dev.roster.balance;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link Selector} ejects an instance that keeps failing, and for how long: the
 * client-side outlier detection of Envoy, in a few settings. Immutable; build one with
 * {@link #builder()} and pass it to {@link dev.roster.ServiceView#selector(Strategy, OutlierPolicy)}.
 *
 * <pre>{@code
 * Selector selector = view.selector(Strategies.roundRobin(), OutlierPolicy.builder()
 *     .consecutiveFailures(5)
 *     .baseEjectionTime(Duration.ofSeconds(30))
 *     .build());
 * }</pre>
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>{@link #consecutiveFailures()} failures reported in a row, with no success between,
 *       eject an instance.
 *   <li>The k-th ejection lasts {@code baseEjectionTime × multiplier^(k-1)}, at most
 *       {@link #maxEjectionTime()}. An instance that then stays in for a whole
 *       {@code maxEjectionTime} is forgiven: its next ejection starts from the base again.
 *   <li>An ejected instance comes back by itself when its time is up, with its failure count
 *       reset. Reports about it while it is out change nothing.
 *   <li>Never more than {@link #maxEjectedShare()} of the service's UP instances are ejected
 *       at once (rounded down, so one instance alone is never ejected at the default 0.5);
 *       a failing instance beyond that stays in and is ejected on its next failure once
 *       there is room (Envoy's {@code max_ejection_percent}).
 * </ul>
 */
public final class OutlierPolicy {
  private final int consecutiveFailures;
  private final Duration baseEjectionTime;
  private final double multiplier;
  private final Duration maxEjectionTime;
  private final double maxEjectedShare;
  private final Ticker ticker;

  private OutlierPolicy(Builder b) {
    this.consecutiveFailures = b.consecutiveFailures;
    this.baseEjectionTime = b.baseEjectionTime;
    this.multiplier = b.multiplier;
    this.maxEjectionTime = b.maxEjectionTime;
    this.maxEjectedShare = b.maxEjectedShare;
    this.ticker = b.ticker;
  }

  /**
   * Starts a policy with the defaults: 5 failures, 30 s doubling up to 5 min, at most half ejected.
   *
   * @return a builder with the default settings
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How many failures in a row eject an instance; default 5.
   *
   * @return the number of failures in a row that eject an instance
   */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * How long the first ejection lasts; default 30 s.
   *
   * @return the length of the first ejection
   */
  public Duration baseEjectionTime() {
    return baseEjectionTime;
  }

  /**
   * How much longer each repeat ejection lasts than the one before; default 2.
   *
   * @return the factor by which each repeat ejection grows
   */
  public double multiplier() {
    return multiplier;
  }

  /**
   * The longest an ejection lasts, however often the instance has failed; default 5 min.
   *
   * @return the longest an ejection lasts
   */
  public Duration maxEjectionTime() {
    return maxEjectionTime;
  }

  /**
   * The largest share of UP instances that may be ejected at once, 0 to 1; default 0.5.
   *
   * @return the largest share of UP instances ejected at once
   */
  public double maxEjectedShare() {
    return maxEjectedShare;
  }

  /**
   * The clock ejections are timed with; default {@link Ticker#system()}.
   *
   * @return the clock ejections are timed with
   */
  public Ticker ticker() {
    return ticker;
  }

  /**
   * A builder holding this policy's settings, for copy-and-modify.
   *
   * @return a new builder holding this policy's settings
   */
  public Builder toBuilder() {
    return new Builder().consecutiveFailures(consecutiveFailures).baseEjectionTime(baseEjectionTime)
        .multiplier(multiplier).maxEjectionTime(maxEjectionTime).maxEjectedShare(maxEjectedShare).ticker(ticker);
  }

  @Override
  public String toString() {
    return "OutlierPolicy[" + consecutiveFailures + " failures, " + baseEjectionTime + " x" + multiplier
        + " up to " + maxEjectionTime + ", at most " + maxEjectedShare + " ejected]";
  }

  /** Builds an {@link OutlierPolicy}; every setter checks its argument at once. */
  public static final class Builder {
    private int consecutiveFailures = 5;
    private Duration baseEjectionTime = Duration.ofSeconds(30);
    private double multiplier = 2;
    private Duration maxEjectionTime = Duration.ofMinutes(5);
    private double maxEjectedShare = 0.5;
    private Ticker ticker = Ticker.system();

    private Builder() {}

    /**
     * How many failures in a row eject an instance, at least 1; default 5.
     *
     * @param failures the number of failures in a row that eject an instance
     * @return this builder
     */
    public Builder consecutiveFailures(int failures) {
      if (failures < 1) {
        throw new IllegalArgumentException("consecutive failures " + failures + ": must be >= 1");
      }
      this.consecutiveFailures = failures;
      return this;
    }

    /**
     * How long the first ejection lasts; positive, default 30 s.
     *
     * @param time the length of the first ejection
     * @return this builder
     */
    public Builder baseEjectionTime(Duration time) {
      this.baseEjectionTime = positive("base ejection time", time);
      return this;
    }

    /**
     * How much longer each repeat ejection lasts, at least 1 (1: always the base); default 2.
     *
     * @param multiplier the factor by which each repeat ejection grows
     * @return this builder
     */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier " + multiplier + ": must be a finite number >= 1");
      }
      this.multiplier = multiplier;
      return this;
    }

    /**
     * The longest an ejection lasts; positive and at least the base, default 5 min.
     *
     * @param time the longest an ejection may last
     * @return this builder
     */
    public Builder maxEjectionTime(Duration time) {
      this.maxEjectionTime = positive("max ejection time", time);
      return this;
    }

    /**
     * The largest share of UP instances ejected at once, 0 (never eject) to 1 (eject all,
     * after which nothing can be picked); default 0.5.
     *
     * @param share the largest share of UP instances ejected at once
     * @return this builder
     */
    public Builder maxEjectedShare(double share) {
      if (!(share >= 0 && share <= 1)) {
        throw new IllegalArgumentException("max ejected share " + share + ": must be between 0 and 1");
      }
      this.maxEjectedShare = share;
      return this;
    }

    /**
     * The clock; default {@link Ticker#system()}. Tests pass a fake one to move time by hand.
     *
     * @param ticker the clock to time ejections with
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return a new policy with the settings made so far and the defaults for the rest
     * @throws IllegalArgumentException if the max ejection time is shorter than the base
     */
    public OutlierPolicy build() {
      if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
        throw new IllegalArgumentException("max ejection time " + maxEjectionTime
            + ": must be at least the base ejection time " + baseEjectionTime);
      }
      return new OutlierPolicy(this);
    }

    private static Duration positive(String field, Duration value) {
      Objects.requireNonNull(value, field);
      if (value.isNegative() || value.isZero() || value.compareTo(Duration.ofDays(365)) > 0) {
        throw new IllegalArgumentException(field + " " + value + ": must be positive and at most 365 days");
      }
      return value;
    }
  }
}
