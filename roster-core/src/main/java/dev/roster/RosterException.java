package dev.roster;

/**
 * A registry operation failed: ZooKeeper could not be reached in time, refused the
 * operation, or the caller was interrupted. Bad input is an {@link IllegalArgumentException}
 * instead, thrown before anything is sent.
 */
public class RosterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message that says what failed and where.
   *
   * @param message what failed and where
   */
  public RosterException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the underlying cause.
   *
   * @param message what failed and where
   * @param cause the underlying failure
   */
  public RosterException(String message, Throwable cause) {
    super(message, cause);
  }
}
