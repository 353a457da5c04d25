package dev.roster.embedded;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Watches one attempt to start an ensemble, whose members have just been launched, until a
 * quorum serves or the attempt has failed; and tells a failure that other ports might fix (a
 * member could not bind one: someone took it between the pick and the bind) from one they would
 * not.
 */
final class EnsembleStart {
  private static final long POLL_MILLIS = 50;
  private static final long LOG_SCAN_MILLIS = 500;

  /** ZooKeeper's exit code when the election port cannot be bound (ExitCode, not public API). */
  private static final int UNABLE_TO_BIND_QUORUM_PORT = 14;

  /** Why a start attempt failed, and whether other ports might fix it. */
  record Failure(boolean portClash, String message) {}

  private EnsembleStart() {}

  /**
   * Returns null once a quorum serves, or why the start failed.
   *
   * @param deadline in {@link System#nanoTime()}'s terms
   * @param startTimeout what the deadline came from, for the message
   */
  static @Nullable Failure await(
      List<EnsembleMember> candidates,
      long deadline,
      Duration startTimeout,
      BooleanSupplier closed) {
    long nextLogScan = System.nanoTime();
    while (true) {
      for (EnsembleMember member : candidates) {
        Process process = member.process().process();
        if (process != null && !process.isAlive()) {
          String log = member.process().logSinceLaunch();
          return new Failure(
              process.exitValue() == UNABLE_TO_BIND_QUORUM_PORT
                  || log.contains(PortPlan.ADDRESS_IN_USE),
              member
                  + " exited with code "
                  + process.exitValue()
                  + " while the ensemble started"
                  + member.logTail());
        }
      }
      if (System.nanoTime() - nextLogScan >= 0) {
        // A member that cannot bind its leader port keeps running and never serves.
        for (EnsembleMember member : candidates) {
          if (member.process().logSinceLaunch().contains(PortPlan.ADDRESS_IN_USE)) {
            return new Failure(true, member + " could not bind a port" + member.logTail());
          }
        }
        nextLogScan = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOG_SCAN_MILLIS);
      }
      Observation observation = Observation.of(candidates);
      if (observation.formsQuorum()) {
        return null;
      }
      if (System.nanoTime() - deadline >= 0) {
        return new Failure(
            false,
            "the ensemble of "
                + candidates.size()
                + " did not form a quorum within "
                + Waits.describe(startTimeout)
                + " ("
                + observation.describe()
                + ")"
                + observation.logsOfMembersNotServing());
      }
      if (closed.getAsBoolean()) {
        return new Failure(false, "the ensemble was closed while it started");
      }
      Waits.sleep(POLL_MILLIS, "starting the ensemble");
    }
  }
}
