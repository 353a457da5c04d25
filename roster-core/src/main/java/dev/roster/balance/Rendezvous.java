package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Rendezvous (highest random weight) hashing: every instance scores the key, and the
 * highest score wins. An instance's score depends only on the key and the instance's id,
 * so when an instance leaves, exactly the keys it won move (each to its runner-up), and
 * when it comes back exactly those keys return; no ring, no virtual nodes. A pick costs
 * O(n): one 64-bit mix per instance, plus a logarithm when weighted.
 *
 * <p>Weighted, the score is {@code -weight / ln(u)} with {@code u} the mixed hash mapped
 * into (0, 1) (Schindelhauer and Schomaker's logarithmic method), which gives each
 * instance keys in proportion to its weight and keeps the minimal-movement property.
 */
final class Rendezvous implements Strategy {
  private final boolean weighted;

  Rendezvous(boolean weighted) {
    this.weighted = weighted;
  }

  @Override
  public Picker newPicker(List<ServiceInstance> instances) {
    ServiceInstance[] a;
    double[] weights = null;
    if (weighted) {
      Weights w = Weights.of(instances);
      a = w.instances();
      if (!w.uniform()) {
        weights = new double[a.length];
        for (int i = 0; i < a.length; i++) {
          weights[i] = w.weights()[i];
        }
      }
    } else {
      a = instances.toArray(new ServiceInstance[0]);
    }
    if (a.length == 0) {
      return Strategies.EMPTY;
    }
    long[] seeds = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      seeds[i] = Hashing.hash(a[i].id());
    }
    return weights == null ? new Plain(a, seeds) : new Weighted(a, seeds, weights);
  }

  @Override
  public String toString() {
    return weighted ? "weightedRendezvous()" : "rendezvous()";
  }

  /** Without a key, a random key: an even (or weighted) spread, like random. */
  private abstract static class Base implements Picker {
    @Override
    public ServiceInstance pick() {
      return pick(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public abstract ServiceInstance pick(long key);
  }

  private static final class Plain extends Base {
    private final ServiceInstance[] a;
    private final long[] seeds;

    Plain(ServiceInstance[] a, long[] seeds) {
      this.a = a;
      this.seeds = seeds;
    }

    @Override
    public ServiceInstance pick(long key) {
      long k = Hashing.mix(key);
      int best = 0;
      long bestScore = Hashing.mix(k ^ seeds[0]);
      for (int i = 1; i < seeds.length; i++) {
        long score = Hashing.mix(k ^ seeds[i]);
        // Compared unsigned; a tie (one in 2^64) goes to the lower id, as the list is sorted by id.
        if (Long.compareUnsigned(score, bestScore) > 0) {
          best = i;
          bestScore = score;
        }
      }
      return a[best];
    }
  }

  private static final class Weighted extends Base {
    private static final double TWO_TO_MINUS_53 = 0x1.0p-53;
    private final ServiceInstance[] a;
    private final long[] seeds;
    private final double[] weights;

    Weighted(ServiceInstance[] a, long[] seeds, double[] weights) {
      this.a = a;
      this.seeds = seeds;
      this.weights = weights;
    }

    @Override
    public ServiceInstance pick(long key) {
      long k = Hashing.mix(key);
      int best = 0;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < seeds.length; i++) {
        // The top 53 bits as a double strictly inside (0, 1), so the logarithm is finite and negative.
        double u = ((Hashing.mix(k ^ seeds[i]) >>> 11) + 0.5) * TWO_TO_MINUS_53;
        double score = -weights[i] / Math.log(u);
        if (score > bestScore) {
          best = i;
          bestScore = score;
        }
      }
      return a[best];
    }
  }
}
