package dev.roster;

import java.util.List;

/**
 * What changed in a service's instances, and the full list after the change.
 *
 * <p>A listener added to a view that is already ready first receives one change whose
 * {@link #added()} holds every current instance, so it never has to read and subscribe
 * separately.
 *
 * @param service the service name
 * @param added instances that appeared
 * @param removed instances that disappeared (as they were last seen)
 * @param updated instances whose attributes changed (the new values)
 * @param instances every instance after the change, sorted by id; never emptied by a
 *     connection problem
 */
public record ServiceChange(
    String service,
    List<ServiceInstance> added,
    List<ServiceInstance> removed,
    List<ServiceInstance> updated,
    List<ServiceInstance> instances) {

  /**
   * Makes the lists unmodifiable copies.
   *
   * @param added instances that appeared
   * @param service the service name
   * @param removed instances that disappeared
   * @param updated instances whose attributes changed
   * @param instances every instance after the change
   */
  public ServiceChange {
    added = List.copyOf(added);
    removed = List.copyOf(removed);
    updated = List.copyOf(updated);
    instances = List.copyOf(instances);
  }

  /**
   * True when nothing was added, removed or updated.
   *
   * @return whether the change holds no addition, removal or update
   */
  public boolean isEmpty() {
    return added.isEmpty() && removed.isEmpty() && updated.isEmpty();
  }
}
