package dev.roster.cli;

/**
 * A command could not do its work for a reason the user can act on (ZooKeeper unreachable, a
 * port taken, nothing found). {@link Main} prints the message on one line, without a stack
 * trace, and exits with {@link #exitCode()}: {@link ExitCodes#FAILURE} unless a factory says
 * otherwise.
 */
final class CommandFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CommandFailure(String message) {
    this(message, null);
  }

  CommandFailure(String message, Throwable cause) {
    this(ExitCodes.FAILURE, message, cause);
  }

  private CommandFailure(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** What was asked for is not there: {@link ExitCodes#NOT_FOUND}. */
  static CommandFailure notFound(String message) {
    return new CommandFailure(ExitCodes.NOT_FOUND, message, null);
  }

  /** ZooKeeper did not answer in time: {@link ExitCodes#UNREACHABLE}. */
  static CommandFailure unreachable(String message, Throwable cause) {
    return new CommandFailure(ExitCodes.UNREACHABLE, message, cause);
  }

  int exitCode() {
    return exitCode;
  }
}
