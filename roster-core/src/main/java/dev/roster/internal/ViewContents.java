package dev.roster.internal;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

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

  /**
   * These contents with {@code old} taken out and {@code next} put in at its place by id:
   * what {@link #of} would make of the changed list, in one copy instead of a sort. A watch
   * event changes one node, and with many views of a large service in one process a sort per
   * change per view is what the last listener waits for.
   *
   * @param old the instance leaving, by identity, or null
   * @param next the instance arriving, or null
   * @return the new contents, or null if {@code old} is not here (the caller rebuilds)
   */
  @Nullable ViewContents replace(@Nullable ServiceInstance old, @Nullable ServiceInstance next,
      Comparator<ServiceInstance> byId) {
    if (old == null && next == null) {
      return this;
    }
    List<ServiceInstance> nextAll = replace(all, old, next, byId);
    List<ServiceInstance> nextUp = replace(up, old != null && old.isUp() ? old : null,
        next != null && next.isUp() ? next : null, byId);
    return nextAll == null || nextUp == null ? null : new ViewContents(nextAll, nextUp);
  }

  private static @Nullable List<ServiceInstance> replace(List<ServiceInstance> sorted,
      @Nullable ServiceInstance old, @Nullable ServiceInstance next, Comparator<ServiceInstance> byId) {
    if (old == null && next == null) {
      return sorted;
    }
    ArrayList<ServiceInstance> copy = new ArrayList<>(sorted.size() + 1);
    copy.addAll(sorted);
    if (old != null) {
      int at = indexOf(copy, old, byId);
      if (at < 0) {
        return null;
      }
      copy.remove(at);
    }
    if (next != null) {
      int at = Collections.binarySearch(copy, next, byId);
      copy.add(at < 0 ? -at - 1 : at, next);
    }
    return List.copyOf(copy);
  }

  /** Where {@code instance} itself is, among those sorted with its id; -1 if nowhere. */
  private static int indexOf(List<ServiceInstance> sorted, ServiceInstance instance, Comparator<ServiceInstance> byId) {
    int at = Collections.binarySearch(sorted, instance, byId);
    if (at < 0) {
      return -1;
    }
    for (int i = at; i >= 0 && byId.compare(sorted.get(i), instance) == 0; i--) {
      if (sorted.get(i) == instance) {
        return i;
      }
    }
    for (int i = at + 1; i < sorted.size() && byId.compare(sorted.get(i), instance) == 0; i++) {
      if (sorted.get(i) == instance) {
        return i;
      }
    }
    return -1;
  }
}
