package dev.roster.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import picocli.CommandLine;

/** Runs roster commands in this JVM with captured output, as the CLI tests need them. */
final class InProcessCli {
  private InProcessCli() {}

  /** What a finished command left: its exit code and everything it printed. */
  static final class Result {
    final int exitCode;
    final String out;
    final String err;

    Result(int exitCode, String out, String err) {
      this.exitCode = exitCode;
      this.out = out;
      this.err = err;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "; out: " + out + "; err: " + err;
    }
  }

  /** Runs a command to its end. */
  static Result run(String... args) {
    return runWith(null, args);
  }

  /**
   * Runs a command to its end, with {@code extra} (a picocli command object, or null) added as
   * one more subcommand: a test's own command shows what {@link Main} makes of what it throws.
   */
  static Result runWith(Object extra, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = commandLine(new StopSignal(), extra, out, err).execute(args);
    return new Result(exitCode, out.toString(), err.toString());
  }

  private static CommandLine commandLine(StopSignal stop, Object extra, StringWriter out, StringWriter err) {
    CommandLine commandLine = Main.commandLine(stop);
    if (extra != null) {
      // Before the streams are set: picocli gives them to the subcommands it has then.
      commandLine.addSubcommand(extra);
    }
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine;
  }

  /** A long-running command in a thread of its own, stopped as Ctrl-C would stop it. */
  static final class Background implements AutoCloseable {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final StopSignal stop = new StopSignal();
    final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    private final Duration wait;

    /** Starts {@code args}; {@link #stop()} waits up to {@code wait} for it to end. */
    Background(Duration wait, String... args) {
      this.wait = wait;
      CommandLine commandLine = commandLine(stop, null, out, err);
      Thread thread = new Thread(() -> exitCode.complete(commandLine.execute(args)), "roster " + args[0]);
      thread.setDaemon(true);
      thread.start();
    }

    /**
     * What {@code roster up} printed once its banner is whole: it prints the banner line by line,
     * and always ends it with its "Ctrl-C here stops ..." line.
     */
    String banner() {
      Awaitility.await().atMost(wait).until(() -> out.toString().contains("Ctrl-C here stops"));
      return out.toString();
    }

    int stop() {
      stop.stop();
      try {
        return exitCode.get(wait.toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("command did not stop; out: " + out + "; err: " + err, e);
      }
    }

    @Override
    public void close() {
      if (!exitCode.isDone()) {
        stop();
      }
    }
  }
}
