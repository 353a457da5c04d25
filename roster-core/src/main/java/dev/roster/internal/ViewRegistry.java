package dev.roster.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The views of one Roster, shared per service name and reference-counted. The closed flag
 * and the map live under one lock, so a {@link #acquire} racing {@link #close} either gets a
 * view that close() then closes, or is refused: no view is ever left open and unready.
 */
final class ViewRegistry {
  private final RosterCore core;
  private final Executor workers;
  private final Map<String, SharedView> views = new HashMap<>(); // guarded by this
  private boolean closed; // guarded by this

  ViewRegistry(RosterCore core, Executor workers) {
    this.core = core;
    this.workers = workers;
  }

  /**
   * The shared view of {@code service}, with one more reference, started if new.
   *
   * @throws IllegalStateException if the Roster is closed
   */
  SharedView acquire(String service) {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("this Roster is closed");
      }
      SharedView view = views.get(service);
      if (view == null) {
        view = new SharedView(core, service, new SerialExecutor(workers, "roster-view-" + service));
        // Queued before the view is visible to connection events, so that its first read
        // comes before any reconnect's, which then finds the view already in sync. It only
        // queues work on the view's context, so it may run under this lock.
        view.start();
        views.put(service, view);
      }
      view.refs++;
      return view;
    }
  }

  /** Drops one reference; the last one closes the view. */
  void release(SharedView view) {
    synchronized (this) {
      if (--view.refs > 0) {
        return;
      }
      views.remove(view.service, view);
    }
    view.close();
  }

  /** Every open view, for connection events. */
  synchronized List<SharedView> all() {
    return new ArrayList<>(views.values());
  }

  /** Refuses new views and closes every open one. */
  void close() {
    List<SharedView> open;
    synchronized (this) {
      closed = true;
      open = new ArrayList<>(views.values());
      views.clear();
    }
    for (SharedView v : open) {
      v.close();
    }
  }
}
