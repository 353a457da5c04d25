package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Factories for the built-in {@link Strategy strategies}. */
public final class Strategies {
  private Strategies() {}

  /**
   * Each instance in turn. The counter survives changes of the list. It is a 64-bit counter
   * read as unsigned, so it runs on past {@link Integer#MAX_VALUE} without a skip or a
   * repeat (an int counter cannot: 2^32 is not a multiple of most list sizes, and Curator's
   * {@code Math.abs} of it even goes negative at {@code Integer.MIN_VALUE}).
   */
  public static Strategy roundRobin() {
    return roundRobin(0);
  }

  /** Round robin with its counter starting at {@code start}; lets tests cross the wrap. */
  static Strategy roundRobin(long start) {
    AtomicLong counter = new AtomicLong(start);
    return instances -> {
      ServiceInstance[] array = instances.toArray(new ServiceInstance[0]);
      int n = array.length;
      if (n == 0) {
        return () -> null;
      }
      return () -> array[(int) Long.remainderUnsigned(counter.getAndIncrement(), n)];
    };
  }

  /** A uniformly random instance per pick, from a thread-local generator. */
  public static Strategy random() {
    return instances -> {
      ServiceInstance[] array = instances.toArray(new ServiceInstance[0]);
      int n = array.length;
      if (n == 0) {
        return () -> null;
      }
      return () -> array[ThreadLocalRandom.current().nextInt(n)];
    };
  }
}
