package dev.roster;

import java.time.Duration;

/**
 * Observes what a {@link Roster} does, for metrics and logs. Every method has a no-op
 * default, so implement only what you need.
 *
 * <h2>Threading: the event path</h2>
 *
 * <p>Every callback of a Roster — this listener's, every {@link ServiceListener}'s, every
 * {@link dev.roster.health.HealthListener}'s, and stages chained on {@link
 * ServiceView#whenReady()} — runs on one event path per Roster: its own daemon thread, or the
 * executor given to {@link Roster.Builder#eventExecutor}, one callback at a time, in the
 * order the events happened. An event is queued after the state change it reports, and never
 * while Roster holds a lock, so a callback sees the state it is told of (told CONNECTED,
 * {@link Roster#isConnected()} is true unless the connection was lost again since).
 *
 * <p>What a callback may do: read anything; call any Roster method, blocking ones included
 * ({@code register}, {@code Registration.update} and {@code close}, {@code Roster.close}):
 * they wait for Roster's internal contexts, never for the event path, so they finish as they
 * would on any other thread. Later events wait meanwhile, so keep callbacks short, and hand
 * long work to a thread of your own. What a callback throws, {@link Error}s included, is
 * logged and stops neither other listeners nor later events.
 *
 * <p>What Roster refuses: a blocking Roster method called on one of Roster's internal
 * contexts (where no user code runs, except a custom codec's) fails at once with an {@link
 * IllegalStateException} saying why, instead of waiting for itself until it times out.
 *
 * <p>{@link Roster#close()} delivers what is still queued, CLOSED last, before it returns
 * (waiting at most the operation timeout), unless it is called from a callback.
 */
public interface RosterEventListener {

  /** A listener that does nothing. */
  RosterEventListener NONE = new RosterEventListener() {};

  /**
   * The connection to ZooKeeper changed state.
   *
   * @param state the new state
   */
  default void connectionStateChanged(ConnectionState state) {}

  /**
   * A new ZooKeeper session began (the first one, or one after expiry).
   *
   * @param previousSessionId the session before, or 0 for the first
   * @param sessionId the new session
   */
  default void sessionStarted(long previousSessionId, long sessionId) {}

  /**
   * A registration's node is in ZooKeeper: once per registration with {@link
   * RegisterReason#NEW} when {@link Roster#register} succeeds, and again each time the node
   * is created anew after it was lost ({@link RegisterReason#SESSION_EXPIRED}, {@link
   * RegisterReason#NODE_DELETED}). Not for a reconnect where the node survived, nor for an
   * update. A node left by one of this Roster's own expired sessions and replaced is reported
   * by {@link #staleNodeReplaced} instead (and, on a first registration, here too, as NEW).
   * Runs on the event path after the node was written, possibly before {@code register}
   * returns.
   *
   * @param instance the instance as registered
   * @param reason a first registration, or why the node had to be created again
   * @param took for {@link RegisterReason#NEW}, from the {@code register} call to the node's
   *     creation; otherwise from when this Roster noticed the node was gone (the deletion's
   *     watch event, or the reconnect after which it was found missing; after a new session
   *     this includes the random delay that spreads re-registrations out) to its creation
   */
  default void registered(ServiceInstance instance, RegisterReason reason, Duration took) {}

  /**
   * A registration ended: fired once per registration that was {@link #registered} (as
   * {@link RegisterReason#NEW}), when it is closed ({@link Registration#close()}, or {@link
   * Roster#close()} for every registration still open), and never when its node is merely
   * lost or re-created. Fired after the node was deleted; if ZooKeeper could not be reached,
   * once the deletion is owed (it is made after reconnecting); for {@code Roster.close()},
   * just before the session ends and takes the nodes along. So the {@code registered(NEW)}
   * events less these are the registrations this Roster holds. Runs on the event path.
   *
   * @param instance the instance as last registered
   */
  default void deregistered(ServiceInstance instance) {}

  /**
   * A node left by one of this Roster's own expired sessions was replaced in one transaction.
   *
   * @param instance the instance whose node was replaced
   * @param oldSessionId the expired session that had left the node
   */
  default void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {}

  /**
   * A registration could not be (re)created because another live session owns its node.
   *
   * @param instance the instance that could not be registered
   * @param ownerSessionId the live session that owns the node
   */
  default void registrationConflict(ServiceInstance instance, long ownerSessionId) {}

  /**
   * A registration could not be (re)created because ZooKeeper's ACLs do not let this Roster:
   * its service node belongs to another identity (see {@link dev.roster.security.AclPolicy}),
   * or ZooKeeper refused a write (NoAuth, InvalidACL). Fired once per registration and
   * reason; a registration already made keeps retrying, with back-off, so that an operator's
   * fix heals it. Runs on the event path.
   *
   * @param instance the instance that could not be registered
   * @param reason what was refused, on which node, and how to fix it
   */
  default void registrationRefused(ServiceInstance instance, String reason) {}

  /**
   * A node under a watched service could not be decoded and is skipped. Fired once per node
   * and reason (a node that stays bad is not reported again on every re-read). Runs on the
   * event path.
   *
   * @param service the watched service
   * @param path the node's full path
   * @param codec the {@linkplain dev.roster.codec.InstanceCodec#name() name} of the codec that
   *     refused it, such as {@code "spring-cloud"} or {@code "detecting"}: one per Roster
   * @param reason why, as the codec said
   */
  default void nodeSkipped(String service, String path, String codec, String reason) {}

  /**
   * A view learnt of an added or updated instance from a change, and has told its listeners:
   * {@code sinceWritten} is how long after the node was written (its ZooKeeper modification
   * time, {@code mtime}, stamped by the server's clock) the change reached them. Once per
   * added or updated instance of a change; not for removals (a deleted node has no time
   * left to read), and not for a view's first read or its re-reads after a reconnect, where
   * a node may have been written long before the view looked.
   *
   * <p>Measured against this machine's clock when the event runs, after the view's listeners
   * were handed the change, so skew between the two clocks shows in it: a server clock
   * behind this one adds its lag, and one ahead would give a negative time, which is
   * reported as zero. Runs on the event path.
   *
   * @param service the watched service
   * @param sinceWritten from the node's write on the server to the view's listeners; never negative
   */
  default void changePropagated(String service, Duration sinceWritten) {}

  /**
   * A view read nodes from ZooKeeper.
   *
   * @param service the watched service
   * @param fullResync true for a complete re-read (start, reconnect), false for one change
   * @param reads the number of read requests sent
   */
  default void viewRead(String service, boolean fullResync, int reads) {}

  /**
   * A re-read after a connection problem would have removed at least the configured share of
   * a service's instances; the removal is held until it is confirmed by a second read.
   *
   * @param service the watched service
   * @param removing how many instances the re-read would remove
   * @param holding how many instances the view holds
   */
  default void massRemovalHeld(String service, int removing, int holding) {}

  /**
   * A held mass removal was read again: {@code removed} instances really went (maybe 0).
   *
   * @param service the watched service
   * @param removed how many instances the confirming read removed
   */
  default void massRemovalConfirmed(String service, int removed) {}

  /** Why a registration's node was created: see {@link #registered}. */
  enum RegisterReason {
    /** The first time, for {@link Roster#register}. */
    NEW,
    /**
     * Again on a new session: the session that held the node expired (or was given up as
     * lost), and the node went with it.
     */
    SESSION_EXPIRED,
    /** Again on the same session: the node was deleted from outside while the session lived. */
    NODE_DELETED
  }

  /** The state of the connection to ZooKeeper, as Roster reports it. */
  enum ConnectionState {
    /** Connected with the first session. */
    CONNECTED,
    /** Connection lost; the session may still be alive on the server. */
    SUSPENDED,
    /** Reconnected; the session survived or a new one began (see {@link #sessionStarted}). */
    RECONNECTED,
    /** The session is considered lost; a new one is being established. */
    LOST,
    /** The Roster was closed. */
    CLOSED
  }
}
