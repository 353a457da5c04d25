package dev.roster;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

/** A listener that keeps every change it is given, for assertions. */
final class Recorder implements ServiceListener {
  final List<ServiceChange> changes = new CopyOnWriteArrayList<>();
  /** How many instances the test knows to be up when each change arrives; -1 when unknown. */
  private final IntSupplier expectedUp;
  final List<String> violations = new CopyOnWriteArrayList<>();

  Recorder() {
    this(() -> -1);
  }

  Recorder(IntSupplier expectedUp) {
    this.expectedUp = expectedUp;
  }

  @Override
  public void onChange(ServiceChange change) {
    changes.add(change);
    if (change.instances().isEmpty() && expectedUp.getAsInt() > 0) {
      violations.add("empty list while " + expectedUp.getAsInt() + " up: " + change);
    }
  }

  Set<String> ids() {
    if (changes.isEmpty()) {
      return Set.of();
    }
    return changes.get(changes.size() - 1).instances().stream().map(ServiceInstance::id).collect(Collectors.toSet());
  }

  List<String> removedIds() {
    List<String> out = new ArrayList<>();
    for (ServiceChange c : changes) {
      c.removed().forEach(i -> out.add(i.id()));
    }
    return out;
  }

  List<String> addedIds() {
    List<String> out = new ArrayList<>();
    for (ServiceChange c : changes) {
      c.added().forEach(i -> out.add(i.id()));
    }
    return out;
  }

  List<String> updatedIds() {
    List<String> out = new ArrayList<>();
    for (ServiceChange c : changes) {
      c.updated().forEach(i -> out.add(i.id()));
    }
    return out;
  }
}
