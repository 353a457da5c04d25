package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * nginx's smooth weighted round robin, made lock-free by computing its sequence in advance.
 *
 * <p>nginx keeps a mutable "current weight" per peer: each pick adds every peer's weight to
 * its current weight, picks the peer with the largest (the first on a tie), and subtracts
 * the total weight from the winner. Shared between threads that state needs a lock per
 * pick. But the algorithm is deterministic and periodic: after {@code total} picks every
 * current weight is back to 0, and scaling all weights by a common factor scales every
 * current weight alike, so the sequence of weights {@code w} repeats every
 * {@code sum(w) / gcd(w)} picks. So each picker runs nginx's loop once, over one period,
 * when it is built, and a pick is one atomic increment and an array read: the k-th pick,
 * counted across all threads, is exactly nginx's k-th pick.
 *
 * <p>Weights {5, 1, 1} give nginx's own example, {@code a a b a c a a}, repeated; every
 * instance gets exactly its share in each period, and no instance is picked more times in
 * a row than its weight (divided by the gcd of all weights).
 *
 * <p>The period is capped, because building it costs n × period steps: at most
 * {@value #MAX_PERIOD} picks, and at most {@value #MAX_WORK} steps in all (but never fewer
 * picks than instances). Past the cap the weights are scaled down to fit, each positive
 * weight keeping at least 1, so shares are then exact to within one pick per period.
 *
 * <p>The position in the sequence is kept across pickers, like round robin's counter.
 */
final class SmoothWeightedRoundRobin implements Strategy {
  static final int MAX_PERIOD = 1 << 16;
  static final long MAX_WORK = 1L << 24;

  private final AtomicLong counter = new AtomicLong();

  @Override
  public Picker newPicker(List<ServiceInstance> instances) {
    Weights w = Weights.of(instances);
    int n = w.size();
    if (n == 0) {
      return Strategies.EMPTY;
    }
    ServiceInstance[] a = w.instances();
    int[] period = period(w.weights(), (int) Math.max(n, Math.min(MAX_PERIOD, MAX_WORK / n)));
    int length = period.length;
    return () -> a[period[(int) Long.remainderUnsigned(counter.getAndIncrement(), length)]];
  }

  /** nginx's sequence over one period, as indices into {@code weights}; at most about {@code cap} long. */
  static int[] period(long[] weights, int cap) {
    long[] w = reduce(weights.clone());
    long total = sum(w);
    if (total > cap) {
      for (int i = 0; i < w.length; i++) {
        w[i] = Math.max(1, (w[i] * cap + total / 2) / total);
      }
      w = reduce(w);
      total = sum(w);
    }
    int length = (int) total;
    int[] sequence = new int[length];
    long[] current = new long[w.length];
    for (int k = 0; k < length; k++) {
      int best = 0;
      for (int i = 0; i < w.length; i++) {
        current[i] += w[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      sequence[k] = best;
    }
    return sequence;
  }

  private static long[] reduce(long[] w) {
    long g = 0;
    for (long x : w) {
      g = gcd(g, x);
    }
    if (g > 1) {
      for (int i = 0; i < w.length; i++) {
        w[i] /= g;
      }
    }
    return w;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private static long sum(long[] w) {
    long s = 0;
    for (long x : w) {
      s += x;
    }
    return s;
  }

  @Override
  public String toString() {
    return "smoothWeightedRoundRobin()";
  }
}
