package dev.roster.cli;

import dev.roster.RosterException;
import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The {@code roster} command's entry point.
 *
 * <p>Exit codes ({@link ExitCodes}): 0 done (also after Ctrl-C ended a command cleanly), 1 the
 * registry or the server failed, 2 bad input, 3 not found, 4 ZooKeeper unreachable, 130 Ctrl-C
 * before there was anything to clean up. Failures are one line on stderr, {@code roster COMMAND: what went wrong}, without a stack trace; so is an
 * {@code IllegalStateException} from the library ("this Roster is closed"), which is exit 1.
 */
public final class Main {
  /** How long Ctrl-C waits for a command to clean up (deregister, stop the server). */
  private static final long SHUTDOWN_GRACE_SECONDS = 30;

  private Main() {}

  /**
   * Runs one {@code roster} command and exits the JVM with its exit code.
   *
   * @param args the command line, such as {@code watch payments}
   */
  public static void main(String[] args) {
    StopSignal stop = new StopSignal();
    CompletableFuture<Integer> finished = new CompletableFuture<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> onShutdown(stop, finished), "roster-shutdown"));
    int exitCode = commandLine(stop).execute(args);
    finished.complete(exitCode);
    System.exit(exitCode);
  }

  /**
   * On Ctrl-C (or SIGTERM): tells the command to stop and waits for it to clean up, then exits
   * with the command's own exit code, so that a registration ended with Ctrl-C exits 0. A
   * command that held nothing yet (still connecting) is not waited for. After a normal
   * {@code System.exit} there is nothing to do.
   */
  private static void onShutdown(StopSignal stop, CompletableFuture<Integer> finished) {
    if (finished.isDone()) {
      return;
    }
    stop.stop();
    if (!stop.awaited()) {
      Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
    }
    int exitCode;
    try {
      exitCode = finished.get(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      exitCode = ExitCodes.INTERRUPTED;
    }
    Runtime.getRuntime().halt(exitCode);
  }

  /**
   * The command tree, ready to {@code execute}. Tests call this with their own
   * {@link StopSignal} and set the output streams.
   *
   * @param stop the signal that tells a long-running command to finish
   * @return a new command tree
   */
  public static CommandLine commandLine(StopSignal stop) {
    CommandLine commandLine = new CommandLine(new RosterCommand(stop));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setExecutionExceptionHandler(Main::onFailure);
    return commandLine;
  }

  /** How the user runs us, for the hints {@code up} prints: the launcher says, else {@code roster}. */
  static String commandName() {
    String name = System.getProperty("roster.command");
    return name == null || name.isBlank() ? "roster" : name;
  }

  /** Turns what a command threw into one line on stderr and an exit code. */
  private static int onFailure(Exception e, CommandLine commandLine, ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    String prefix = commandLine.getCommandSpec().qualifiedName() + ": ";
    int exitCode;
    if (e instanceof IllegalArgumentException) {
      err.println(prefix + e.getMessage());
      exitCode = ExitCodes.USAGE;
    } else if (e instanceof CommandFailure failure) {
      err.println(prefix + e.getMessage());
      exitCode = failure.exitCode();
    } else if (e instanceof RosterException || e instanceof IllegalStateException) {
      // The library's IllegalStateException says an operation came at the wrong time ("this
      // Roster is closed", "already registered"): a situation its message explains, not a bug.
      err.println(prefix + e.getMessage());
      exitCode = ExitCodes.FAILURE;
    } else {
      // A bug, not a situation: the stack trace is what a bug report needs.
      err.println(prefix + "unexpected error: " + e);
      e.printStackTrace(err);
      exitCode = ExitCodes.FAILURE;
    }
    err.flush();
    return exitCode;
  }
}
