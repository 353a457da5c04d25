package dev.roster.cli;

/**
 * A command could not do its work for a reason the user can act on (ZooKeeper unreachable, a
 * port taken). {@link Main} prints the message on one line, without a stack trace, and exits
 * with {@link ExitCodes#FAILURE}.
 */
final class CommandFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CommandFailure(String message) {
    super(message);
  }

  CommandFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
