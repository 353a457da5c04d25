package dev.roster;

/**
 * Told of every change to a {@link ServiceView}.
 *
 * <p>Called on the view's serial executor, one change at a time, in the order the changes
 * happened; never on a ZooKeeper thread and never while Roster holds a lock. Do not block
 * for long: later changes wait. An exception thrown here is logged and does not stop other
 * listeners or later changes.
 */
@FunctionalInterface
public interface ServiceListener {
  /** Handles one change. */
  void onChange(ServiceChange change);
}
