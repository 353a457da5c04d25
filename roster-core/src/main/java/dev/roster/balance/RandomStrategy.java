package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/** A uniformly random instance per pick. */
final class RandomStrategy implements Strategy {
  private final @Nullable RandomGenerator seeded;

  /** @param seeded a shared, thread-safe generator for tests; null for a thread-local one */
  RandomStrategy(@Nullable RandomGenerator seeded) {
    this.seeded = seeded;
  }

  @Override
  public Picker newPicker(List<ServiceInstance> instances) {
    ServiceInstance[] a = instances.toArray(new ServiceInstance[0]);
    return a.length == 0 ? Strategies.EMPTY : new Uniform(a, seeded);
  }

  @Override
  public String toString() {
    return "random()";
  }

  /** Uniform over an array; also what weighted strategies use when every weight is equal. */
  static final class Uniform implements Picker {
    private final ServiceInstance[] a;
    private final @Nullable RandomGenerator seeded;

    Uniform(ServiceInstance[] a, @Nullable RandomGenerator seeded) {
      this.a = a;
      this.seeded = seeded;
    }

    @Override
    public ServiceInstance pick() {
      RandomGenerator r = seeded != null ? seeded : ThreadLocalRandom.current();
      return a[r.nextInt(a.length)];
    }
  }
}
