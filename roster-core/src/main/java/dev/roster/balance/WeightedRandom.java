package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Random in proportion to weight, in O(1) per pick whatever the number of instances: Vose's
 * alias method in exact integer arithmetic. Each of n columns holds one instance's share of
 * {@code total / n} and, for the rest of the column, an alias; a pick draws a column and a
 * point in it. Building the table is O(n), once per change of the list.
 */
final class WeightedRandom implements Strategy {
  private final @Nullable RandomGenerator seeded;

  WeightedRandom(@Nullable RandomGenerator seeded) {
    this.seeded = seeded;
  }

  @Override
  public Picker newPicker(List<ServiceInstance> instances) {
    Weights w = Weights.of(instances);
    int n = w.size();
    if (n == 0) {
      return Strategies.EMPTY;
    }
    ServiceInstance[] a = w.instances();
    if (w.uniform()) {
      return new RandomStrategy.Uniform(a, seeded);
    }
    long total = w.total();
    long[] threshold = new long[n];
    int[] alias = new int[n];
    // Scaled by n, so every column has room for exactly "total" units.
    long[] scaled = new long[n];
    ArrayDeque<Integer> small = new ArrayDeque<>();
    ArrayDeque<Integer> large = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      scaled[i] = w.weights()[i] * n;
      (scaled[i] < total ? small : large).push(i);
    }
    while (!small.isEmpty() && !large.isEmpty()) {
      int l = small.pop();
      int g = large.pop();
      threshold[l] = scaled[l];
      alias[l] = g;
      scaled[g] -= total - scaled[l];
      (scaled[g] < total ? small : large).push(g);
    }
    // What is left fills its own column (exact arithmetic leaves only full columns).
    for (int i : large) {
      threshold[i] = total;
      alias[i] = i;
    }
    for (int i : small) {
      threshold[i] = total;
      alias[i] = i;
    }
    RandomGenerator fixed = seeded;
    return () -> {
      RandomGenerator r = fixed != null ? fixed : ThreadLocalRandom.current();
      int column = r.nextInt(n);
      return a[r.nextLong(total) < threshold[column] ? column : alias[column]];
    };
  }

  @Override
  public String toString() {
    return "weightedRandom()";
  }
}
