package dev.roster.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child process of one ensemble member, and what can be done to it: launch, {@code SIGKILL},
 * {@code SIGTERM}, {@code SIGSTOP} and {@code SIGCONT}; and the log it has written since its
 * launch, for messages. Java has no API for the stop and continue signals, so they are sent with
 * the shell's {@code kill}: freezing works on Linux and macOS, not on Windows.
 *
 * <p>The methods that change the process are called one at a time, under the member's lock;
 * those that read it may be called from any thread.
 */
final class MemberProcess {
  private static final Logger LOG = LoggerFactory.getLogger(MemberProcess.class);

  private static final long POLL_MILLIS = 50;
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration SIGNAL_WAIT = Duration.ofSeconds(2);
  private static final int LOG_TAIL_LINES = 25;
  private static final int LOG_TAIL_BYTES = 64 * 1024;

  private static final DateTimeFormatter LOG_MARK_TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  /** The member, as messages name it. */
  private final Object owner;

  private final int id;
  private final Path logFile;

  private volatile @Nullable Process process;
  private volatile boolean frozen;

  /** Where the log of the current process begins. */
  private volatile long launchOffset;

  MemberProcess(Object owner, int id, Path logFile) {
    this.owner = owner;
    this.id = id;
    this.logFile = logFile;
  }

  /** The current or last process; null before the first launch. */
  @Nullable Process process() {
    return process;
  }

  boolean isRunning() {
    Process current = process;
    return current != null && current.isAlive();
  }

  /** True from a freeze to a thaw or the process's end. */
  boolean isFrozen() {
    return frozen && isRunning();
  }

  /**
   * Starts the process, while not running, after marking the launch in the log.
   *
   * @throws UncheckedIOException if the log cannot be written or the process cannot start
   */
  void launch(ProcessBuilder builder) {
    try {
      Files.writeString(
          logFile,
          "---- " + LocalTime.now().truncatedTo(ChronoUnit.MILLIS).format(LOG_MARK_TIME)
              + " LocalEnsemble starts member " + id + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      launchOffset = Files.size(logFile);
      // The pipe to its standard input stays open, unused, for as long as the member should
      // live: see QuorumPeerLauncher.
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start member " + id + ": " + e.getMessage(), e);
    }
    frozen = false;
    LOG.debug("started {}", owner);
  }

  /**
   * Waits until the launched process answers {@code srvr} on its client port; kills it if it
   * does not within {@code timeout}, or if the ensemble is closed meanwhile.
   *
   * @param address the member's {@code 127.0.0.1:PORT}, for the message
   * @throws IllegalStateException if the process exits, does not answer in time, or the ensemble
   *     closes; the message ends with the end of its log
   */
  void awaitListening(int clientPort, String address, Duration timeout, BooleanSupplier closed) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Process current = Objects.requireNonNull(process);
      if (!current.isAlive()) {
        throw new IllegalStateException(
            owner + " exited with code " + current.exitValue() + " while starting" + logTail());
      }
      if (FourLetterWords.srvr(clientPort).isPresent()) {
        return;
      }
      if (closed.getAsBoolean()) {
        kill();
        throw new IllegalStateException(
            "the ensemble was closed while member " + id + " started");
      }
      if (System.nanoTime() - deadline >= 0) {
        String tail = logTail();
        kill();
        throw new IllegalStateException(
            "member "
                + id
                + " did not answer on "
                + address
                + " within "
                + Waits.describe(timeout)
                + "; killed it"
                + tail);
      }
      Waits.sleep(POLL_MILLIS, "starting member " + id);
    }
  }

  /**
   * Kills the process, frozen or not, and waits for it.
   *
   * @throws IllegalStateException if it survives 10 s, or the thread is interrupted
   */
  void kill() {
    Process current = process;
    if (current != null && current.isAlive()) {
      current.destroyForcibly();
      if (!waitFor(current, KILL_WAIT)) {
        throw new IllegalStateException(owner + " survived SIGKILL for " + KILL_WAIT);
      }
    }
    frozen = false;
  }

  /** The shutdown hook's kill: no wait; returns the process to wait for, or null. */
  @Nullable Process destroyNow() {
    Process current = process;
    if (current != null && current.isAlive()) {
      current.destroyForcibly();
      return current;
    }
    return null;
  }

  /** SIGTERM, thawing a frozen process so that it can stop; killed after 10 s. */
  void stop() {
    Process current = process;
    if (current == null || !current.isAlive()) {
      frozen = false;
      return;
    }
    current.destroy();
    if (frozen) {
      // SIGTERM waits, pending, for the process to continue.
      signal(current.pid(), "CONT");
    }
    if (!waitFor(current, STOP_GRACE)) {
      LOG.warn("{} did not stop within {}; killing it", owner, STOP_GRACE);
      kill();
    }
    frozen = false;
  }

  /** SIGSTOP, once the process is stopped; nothing if already frozen. */
  void freeze() {
    Process current = process;
    if (current == null || !current.isAlive()) {
      throw new IllegalStateException("cannot freeze " + owner + ": it is not running");
    }
    if (frozen) {
      return;
    }
    signal(current.pid(), "STOP");
    awaitStopped(current.pid());
    frozen = true;
  }

  /** SIGCONT if frozen. */
  void thaw() {
    Process current = process;
    if (frozen && current != null && current.isAlive()) {
      signal(current.pid(), "CONT");
    }
    frozen = false;
  }

  /** The log of the current process, at most its last 64 KiB. */
  String logSinceLaunch() {
    try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ)) {
      long start = Math.max(launchOffset, channel.size() - LOG_TAIL_BYTES);
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(0, channel.size() - start));
      channel.read(buffer, start);
      return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The last lines of the current process's log, indented, for exception messages. */
  String logTail() {
    List<String> lines = logSinceLaunch().lines().toList();
    List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
    if (tail.isEmpty()) {
      return "; its log " + logFile + " is empty";
    }
    return "; the end of its log "
        + logFile
        + ":\n    "
        + String.join("\n    ", tail);
  }

  /** Sends a signal by name (STOP, CONT) with the shell's kill. */
  private static void signal(long pid, String signal) {
    Process kill;
    try {
      kill =
          new ProcessBuilder("/bin/sh", "-c", "kill -s " + signal + " " + pid)
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new UnsupportedOperationException(
          "cannot send SIG" + signal + " to " + pid + ": no /bin/sh (" + e.getMessage() + ")", e);
    }
    try {
      if (!kill.waitFor(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -s " + signal + " " + pid + " did not return");
      }
      if (kill.exitValue() != 0) {
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        throw new IllegalStateException(
            "kill -s " + signal + " " + pid + " failed: " + output.trim());
      }
    } catch (InterruptedException e) {
      kill.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + pid, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until Linux reports the process stopped, so that a frozen member is frozen when
   * freeze() returns. Elsewhere the signal is trusted to arrive at once.
   */
  private static void awaitStopped(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.isReadable(stat)) {
      return;
    }
    long deadline = System.nanoTime() + SIGNAL_WAIT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      try (InputStream in = Files.newInputStream(stat)) {
        String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        // "PID (COMMAND) STATE ...": the command may contain spaces and parentheses.
        char state = text.charAt(text.lastIndexOf(')') + 2);
        if (state == 'T' || state == 't') {
          return;
        }
      } catch (IOException | RuntimeException e) {
        return;
      }
      Waits.sleep(5, "freezing a member");
    }
  }

  private static boolean waitFor(Process process, Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for pid " + process.pid(), e);
    }
  }
}
