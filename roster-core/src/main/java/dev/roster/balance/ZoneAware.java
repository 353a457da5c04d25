package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.List;

/**
 * Prefers the caller's zone while enough of it is healthy. The decision is made when the
 * picker is built (once per change of the view or of the ejected set), so it costs nothing
 * per pick: the result is simply the inner strategy's picker over the local instances, or
 * over all of them.
 */
final class ZoneAware implements Strategy {
  private final String zone;
  private final double minHealthyShare;
  private final Strategy inner;

  ZoneAware(String zone, double minHealthyShare, Strategy inner) {
    this.zone = zone;
    this.minHealthyShare = minHealthyShare;
    this.inner = inner;
  }

  @Override
  public Picker newPicker(List<ServiceInstance> instances) {
    return newPicker(instances, instances);
  }

  @Override
  public Picker newPicker(List<ServiceInstance> eligible, List<ServiceInstance> known) {
    int localKnown = 0;
    for (ServiceInstance i : known) {
      if (zone.equals(i.zone())) {
        localKnown++;
      }
    }
    List<ServiceInstance> local = new ArrayList<>();
    for (ServiceInstance i : eligible) {
      if (zone.equals(i.zone())) {
        local.add(i);
      }
    }
    // A division, not local >= share * known: 7 / 10 rounds to the same double as 0.7,
    // but 0.7 * 10 rounds to 7.000000000000001.
    if (!local.isEmpty() && (double) local.size() / Math.max(localKnown, local.size()) >= minHealthyShare) {
      return inner.newPicker(List.copyOf(local), known);
    }
    return inner.newPicker(eligible, known);
  }

  @Override
  public String toString() {
    return "zoneAware(" + zone + ", " + minHealthyShare + ", " + inner + ")";
  }
}
