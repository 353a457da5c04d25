package dev.roster;

import java.time.Instant;

/**
 * Told of every change to a {@link ServiceView}, and of the view going stale and fresh again.
 *
 * <p>Called on the Roster's event path — its event thread, or the executor given to {@link
 * Roster.Builder#eventExecutor} — one event at a time, in the order the events happened,
 * after the view's snapshot already shows the change; never on a ZooKeeper thread and never
 * while Roster holds a lock. A listener may call back into Roster (see {@link
 * RosterEventListener} for the rules); do not block for long, since later events of every
 * view wait. An exception thrown here is logged and does not stop other listeners or later
 * events.
 */
@FunctionalInterface
public interface ServiceListener {
  /**
   * Handles one change.
   *
   * @param change what changed, and the full list after it
   */
  void onChange(ServiceChange change);

  /**
   * The view went stale: ZooKeeper is unreachable (or the view serves its local snapshot),
   * and the view keeps its last list. Also called right after the first change of a listener
   * added to a view that is stale then.
   *
   * @param service the service whose view went stale
   * @param since when the view went stale
   */
  default void onStale(String service, Instant since) {}

  /**
   * The view is in sync with ZooKeeper again, after it was stale.
   *
   * @param service the service whose view is fresh again
   */
  default void onFresh(String service) {}
}
