package dev.roster;

import dev.roster.balance.OutlierPolicy;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategy;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A live, cached view of one service's instances, kept current by one persistent ZooKeeper
 * watch; obtained from {@link Roster#watch}.
 *
 * <p>Reading it never blocks and never touches the network. While ZooKeeper is unreachable
 * the view keeps the last list it knew and {@link #isStale()} says so; after reconnecting it
 * re-reads and converges exactly. Views are shared per service name: closing this handle
 * releases it, and the watch ends when the last handle closes.
 */
public interface ServiceView extends AutoCloseable {

  /**
   * The service this view watches.
   *
   * @return the service name, as given to {@link Roster#watch}
   */
  String service();

  /**
   * Completes with this view once it first has a list to serve: the first complete read of
   * ZooKeeper (with an empty list for a service that has no node yet), or, with a {@link
   * Roster.Builder#snapshotDirectory snapshot directory}, the local snapshot read at start —
   * then {@link #isStale()} is still true until ZooKeeper is read. Completes exceptionally if
   * the view is closed first.
   *
   * <p>It is completed on the Roster's event path, so stages chained on it without an
   * executor run there, like listeners (or on the calling thread if it is already complete).
   * Each call returns a new future: completing or cancelling it affects nobody else.
   *
   * @return a new future, completed with this view once it has a list to serve
   */
  CompletableFuture<ServiceView> whenReady();

  /**
   * Every known instance, sorted by id: an immutable snapshot. Never blocks.
   *
   * @return the instances, UP or not; empty before the view is ready
   */
  List<ServiceInstance> instances();

  /**
   * True until the first complete read, and while the connection to ZooKeeper is in doubt
   * (disconnected, or reconnected but not yet re-read).
   *
   * @return whether the list may be behind ZooKeeper
   */
  boolean isStale();

  /**
   * Since when the view has been stale, or {@code null} while it is fresh.
   *
   * @return when the view became stale, or {@code null} while it is fresh
   */
  @Nullable Instant staleSince();

  /**
   * The zxid of the latest ZooKeeper transaction this view reflects (0 before the first
   * read, or while it serves a local snapshot only). Compare it with a server's zxid to see
   * how far behind a stale view is.
   *
   * @return the latest zxid reflected, or 0 before the first read
   */
  long lastZxid();

  /**
   * How many nodes under this service are currently skipped because their data could not be
   * decoded. Each such node is also logged once and reported to the {@link RosterEventListener}.
   *
   * @return the number of nodes skipped now
   */
  int skippedNodes();

  /**
   * Adds a listener. If the view is ready, the listener first receives the current
   * instances as one change of additions (and {@link ServiceListener#onStale} if the view is
   * stale then). It runs on the Roster's event path; see {@link ServiceListener}.
   *
   * @param listener the listener to add
   * @return a handle whose {@code close()} removes the listener
   */
  Subscription addListener(ServiceListener listener);

  /**
   * A selector that picks among this view's {@link ServiceInstance.Status#UP UP} instances
   * with {@code strategy}, rebuilding its picker whenever the view changes.
   *
   * @param strategy how to choose among the UP instances
   * @return a new selector over this view
   */
  Selector selector(Strategy strategy);

  /**
   * A selector like {@link #selector(Strategy)} that also ejects instances that keep
   * failing, as {@code policy} says; callers report outcomes with
   * {@link Selector#reportSuccess} and {@link Selector#reportFailure}. The ejection state
   * belongs to the selector: two selectors on one view eject independently.
   *
   * @param strategy how to choose among the instances not ejected
   * @param policy when to eject an instance and for how long
   * @return a new selector over this view, with its own ejection state
   */
  Selector selector(Strategy strategy, OutlierPolicy policy);

  /** Releases this handle and its listeners. Idempotent. */
  @Override
  void close();
}
