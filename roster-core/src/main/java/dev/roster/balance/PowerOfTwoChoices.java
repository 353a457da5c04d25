package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Power of two choices on outstanding requests: draw two different instances at random and
 * take the one with fewer requests in flight (the first drawn on a tie). Mitzenmacher's
 * result is that this single comparison brings the worst load down from O(log n / log log n)
 * to O(log log n), without the herding that "always the least loaded" causes when many
 * clients act on the same stale counts.
 *
 * <p>Requests are counted by {@link Picker#acquire()} and uncounted when the lease closes.
 * The counters live in this strategy, keyed by instance id, so they survive picker rebuilds:
 * a change of the view does not forget requests that are in flight. A counter is dropped at
 * a rebuild once its instance has left the list and no request holds it.
 */
final class PowerOfTwoChoices implements Strategy {
  private final ConcurrentHashMap<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();
  private final @Nullable RandomGenerator seeded;

  PowerOfTwoChoices(@Nullable RandomGenerator seeded) {
    this.seeded = seeded;
  }

  @Override
  public Picker newPicker(List<ServiceInstance> instances) {
    int n = instances.size();
    ServiceInstance[] a = instances.toArray(new ServiceInstance[0]);
    AtomicInteger[] counts = new AtomicInteger[n];
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < n; i++) {
      counts[i] = outstanding.computeIfAbsent(a[i].id(), id -> new AtomicInteger());
      ids.add(a[i].id());
    }
    outstanding.entrySet().removeIf(e -> e.getValue().get() == 0 && !ids.contains(e.getKey()));
    return n == 0 ? Strategies.EMPTY : new P2cPicker(a, counts, seeded);
  }

  /** Requests in flight on the instance with this id, for tests and diagnostics. */
  int outstanding(String id) {
    AtomicInteger c = outstanding.get(id);
    return c == null ? 0 : c.get();
  }

  @Override
  public String toString() {
    return "powerOfTwoChoices()";
  }

  private static final class P2cPicker implements Picker {
    private final ServiceInstance[] a;
    private final AtomicInteger[] counts;
    private final @Nullable RandomGenerator seeded;

    P2cPicker(ServiceInstance[] a, AtomicInteger[] counts, @Nullable RandomGenerator seeded) {
      this.a = a;
      this.counts = counts;
      this.seeded = seeded;
    }

    private int choose() {
      int n = a.length;
      if (n == 1) {
        return 0;
      }
      RandomGenerator r = seeded != null ? seeded : ThreadLocalRandom.current();
      int i = r.nextInt(n);
      int j = r.nextInt(n - 1);
      if (j >= i) {
        j++; // two different instances, each pair equally likely
      }
      return counts[j].get() < counts[i].get() ? j : i;
    }

    @Override
    public ServiceInstance pick() {
      return a[choose()];
    }

    @Override
    public Lease acquire() {
      int k = choose();
      counts[k].incrementAndGet();
      return new Leases.Counted(a[k], counts[k]);
    }
  }
}
