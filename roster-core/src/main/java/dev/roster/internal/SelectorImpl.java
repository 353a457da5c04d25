package dev.roster.internal;

import dev.roster.ServiceInstance;
import dev.roster.balance.Picker;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategy;
import org.jspecify.annotations.Nullable;

/**
 * Picks with a strategy from a view's current snapshot. The picker is rebuilt lazily, on the
 * first pick after the view's snapshot object changed, so steady-state picks read two
 * volatile fields and allocate nothing; no listener is needed, and a selector that is
 * dropped costs nothing to forget.
 */
final class SelectorImpl implements Selector {
  /** A picker together with the snapshot it was built from. */
  private record Built(ServiceViewImpl.Snapshot snapshot, Picker picker) {}

  private final ServiceViewImpl view;
  private final Strategy strategy;
  private volatile Built built;

  SelectorImpl(ServiceViewImpl view, Strategy strategy) {
    this.view = view;
    this.strategy = strategy;
    ServiceViewImpl.Snapshot s = view.snapshot;
    this.built = new Built(s, strategy.newPicker(s.up()));
  }

  @Override
  public @Nullable ServiceInstance pick() {
    ServiceViewImpl.Snapshot s = view.snapshot;
    Built b = built;
    if (b.snapshot() != s) {
      // Two threads may both rebuild after a change; either result is correct.
      b = new Built(s, strategy.newPicker(s.up()));
      built = b;
    }
    return b.picker().pick();
  }

  @Override
  public String toString() {
    return "Selector[" + view.service + ", " + strategy + "]";
  }
}
