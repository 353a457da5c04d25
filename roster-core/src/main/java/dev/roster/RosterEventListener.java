package dev.roster;

/**
 * Observes what a {@link Roster} does, for metrics and logs. Every method has a no-op
 * default, so implement only what you need.
 *
 * <p>Called from Roster's internal threads; implementations must be fast, thread-safe and
 * must not block. An exception thrown here is logged and ignored.
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
