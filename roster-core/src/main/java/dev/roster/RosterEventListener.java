package dev.roster;

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

  /** The connection to ZooKeeper changed state. */
  default void connectionStateChanged(ConnectionState state) {}

  /**
   * A new ZooKeeper session began (the first one, or one after expiry).
   *
   * @param previousSessionId the session before, or 0 for the first
   * @param sessionId the new session
   */
  default void sessionStarted(long previousSessionId, long sessionId) {}

  /** An instance node was created (first registration, or recreation after loss). */
  default void registered(ServiceInstance instance, boolean recreated) {}

  /** A node left by one of this Roster's own expired sessions was replaced in one transaction. */
  default void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {}

  /** A registration could not be (re)created because another live session owns its node. */
  default void registrationConflict(ServiceInstance instance, long ownerSessionId) {}

  /** A node under a watched service could not be decoded and is skipped. */
  default void nodeSkipped(String service, String path, String reason) {}

  /**
   * A view read nodes from ZooKeeper.
   *
   * @param fullResync true for a complete re-read (start, reconnect), false for one change
   * @param reads the number of read requests sent
   */
  default void viewRead(String service, boolean fullResync, int reads) {}

  /**
   * A re-read after a connection problem would have removed at least the configured share of
   * a service's instances; the removal is held until it is confirmed by a second read.
   */
  default void massRemovalHeld(String service, int removing, int holding) {}

  /** A held mass removal was read again: {@code removed} instances really went (maybe 0). */
  default void massRemovalConfirmed(String service, int removed) {}

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
