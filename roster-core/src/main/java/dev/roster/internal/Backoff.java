package dev.roster.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Exponential back-off with jitter, for work retried after a failure that no event will
 * announce the end of. The n-th delay is drawn from [base·2ⁿ/2, base·2ⁿ·3/2), n capped at
 * {@code maxDoublings}, so clients that failed together do not retry together.
 */
final class Backoff {
  private final long baseMillis;
  private final int maxDoublings;
  private final AtomicInteger failures = new AtomicInteger();

  Backoff(Duration base, int maxDoublings) {
    this.baseMillis = base.toMillis();
    this.maxDoublings = maxDoublings;
  }

  /** The delay before the next try; each call counts one more failure. */
  Duration next() {
    long base = baseMillis << Math.min(failures.getAndIncrement(), maxDoublings);
    return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base));
  }

  /** After a success: the next failure starts from the base again. */
  void reset() {
    failures.set(0);
  }
}
