package dev.roster.internal;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.List;

/** What a view's readers see: every instance sorted by id, and those that are up. Immutable. */
record ViewContents(List<ServiceInstance> all, List<ServiceInstance> up) {
  static final ViewContents EMPTY = new ViewContents(List.of(), List.of());

  static ViewContents of(List<ServiceInstance> all) {
    List<ServiceInstance> up = new ArrayList<>(all.size());
    for (ServiceInstance i : all) {
      if (i.isUp()) {
        up.add(i);
      }
    }
    return new ViewContents(List.copyOf(all), List.copyOf(up));
  }
}
