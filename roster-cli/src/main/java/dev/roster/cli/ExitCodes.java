package dev.roster.cli;

/** The exit codes of the {@code roster} command. */
final class ExitCodes {
  /** Done; or stopped with Ctrl-C after cleaning up. */
  static final int OK = 0;
  /**
   * The registry or the server failed (unreachable, port taken, conflict, timeout), or the
   * library refused an operation in its current state (a closed Roster).
   */
  static final int FAILURE = 1;
  /** Bad input: an unknown option, or a value the library rejects. Nothing was sent. */
  static final int USAGE = 2;
  /** Ctrl-C before the command had anything to clean up (128 + SIGINT, as shells expect). */
  static final int INTERRUPTED = 130;

  private ExitCodes() {}
}
