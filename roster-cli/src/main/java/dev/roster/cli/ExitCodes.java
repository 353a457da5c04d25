package dev.roster.cli;

/**
 * The exit codes of the {@code roster} command, one per situation a script may want to act on
 * differently. The same list is in every command's {@code --help} ({@link BaseCommand}'s
 * {@code exitCodeList}, which an annotation must spell out) and in the README.
 */
final class ExitCodes {
  /** Done; or stopped with Ctrl-C after cleaning up. */
  static final int OK = 0;
  /**
   * The registry or the server failed in a way not told apart below (port taken, conflict,
   * a node that may not be deleted), or the library refused an operation in its current state
   * (a closed Roster).
   */
  static final int FAILURE = 1;
  /** Bad input: an unknown option, or a value the library rejects. Nothing was sent. */
  static final int USAGE = 2;
  /** What was asked for is not there: no UP instance to pick, no instance to list, no node to delete. */
  static final int NOT_FOUND = 3;
  /** ZooKeeper could not be reached, or did not answer, within the timeout. */
  static final int UNREACHABLE = 4;
  /** Ctrl-C before the command had anything to clean up (128 + SIGINT, as shells expect). */
  static final int INTERRUPTED = 130;

  private ExitCodes() {}
}
