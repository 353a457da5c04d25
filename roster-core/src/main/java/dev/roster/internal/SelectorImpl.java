package dev.roster.internal;

import dev.roster.ServiceInstance;
import dev.roster.balance.Lease;
import dev.roster.balance.OutlierPolicy;
import dev.roster.balance.Picker;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Picks with a strategy from a view's current snapshot, leaving out ejected instances.
 *
 * <p>The picker is rebuilt lazily, on the first pick after the view's snapshot object
 * changed or the set of ejected instances did, so steady-state picks read two volatile
 * fields and allocate nothing; no listener is needed, and a selector that is dropped costs
 * nothing to forget. While some instance is ejected a pick also reads the ticker, to notice
 * when the earliest ejection is over.
 *
 * <p>Rebuilding takes no lock (strategies may be user code): two threads may both rebuild
 * after a change, and either result is correct. If an older build is stored after a newer
 * one, its version no longer matches and the next pick rebuilds again.
 */
final class SelectorImpl implements Selector {
  /** A picker together with what it was built from. */
  private record Built(ViewContents snapshot, long ejectionVersion, boolean anyEjected,
      long nextReturn, Picker picker) {}

  private final String service;
  private final Supplier<ViewContents> snapshots;
  private final Strategy strategy;
  private final @Nullable Ejector ejector;
  private volatile Built built;

  SelectorImpl(String service, Supplier<ViewContents> snapshots, Strategy strategy,
      @Nullable OutlierPolicy policy) {
    this.service = service;
    this.snapshots = snapshots;
    this.strategy = strategy;
    this.ejector = policy == null ? null : new Ejector(service, policy);
    this.built = build(snapshots.get(), null);
  }

  private Built current() {
    ViewContents s = snapshots.get();
    Built b = built;
    if (b.snapshot() != s || ejector != null && isStale(b, ejector)) {
      b = build(s, b);
      built = b;
    }
    return b;
  }

  private static boolean isStale(Built b, Ejector ejector) {
    return b.ejectionVersion() != ejector.version()
        || b.anyEjected() && ejector.ticker().read() - b.nextReturn() >= 0;
  }

  private Built build(ViewContents s, @Nullable Built previous) {
    if (ejector == null) {
      return new Built(s, 0, false, 0, strategy.newPicker(s.up(), s.all()));
    }
    if (previous != null && previous.snapshot() != s) {
      ejector.retain(s.all());
    }
    Ejector.State state = ejector.state();
    List<ServiceInstance> eligible = s.up();
    Set<String> out = state.ejected();
    if (!out.isEmpty()) {
      List<ServiceInstance> in = new ArrayList<>(eligible.size());
      for (ServiceInstance i : eligible) {
        if (!out.contains(i.id())) {
          in.add(i);
        }
      }
      eligible = List.copyOf(in);
    }
    return new Built(s, state.version(), !out.isEmpty(), state.nextReturn(),
        strategy.newPicker(eligible, s.all()));
  }

  @Override
  public @Nullable ServiceInstance pick() {
    return current().picker().pick();
  }

  @Override
  public @Nullable ServiceInstance pick(long key) {
    return current().picker().pick(key);
  }

  @Override
  public @Nullable Lease acquire() {
    return current().picker().acquire();
  }

  @Override
  public void reportSuccess(ServiceInstance instance) {
    Objects.requireNonNull(instance, "instance");
    if (ejector != null) {
      ejector.success(instance);
    }
  }

  @Override
  public void reportFailure(ServiceInstance instance) {
    Objects.requireNonNull(instance, "instance");
    if (ejector != null) {
      ejector.failure(instance, snapshots.get().up().size());
    }
  }

  /** True if the instance is ejected now; for tests and diagnostics. */
  boolean isEjected(ServiceInstance instance) {
    return ejector != null && ejector.isEjected(instance.id());
  }

  @Override
  public String toString() {
    return "Selector[" + service + ", " + strategy + "]";
  }
}
