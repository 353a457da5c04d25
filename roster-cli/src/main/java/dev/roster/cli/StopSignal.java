package dev.roster.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tells a long-running command ({@code up}, {@code register}, {@code watch}) to finish: clean
 * up and return. {@link Main} fires it from a shutdown hook on Ctrl-C; tests fire it directly,
 * so that they can run a command in a thread and end it the way a user would.
 *
 * <p>A command calls {@link #await()} once it holds something worth cleaning up; from then on
 * the shutdown hook waits for the command to return instead of halting at once.
 */
public final class StopSignal {
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean awaited;

  /** Asks the command to finish. Idempotent. */
  public void stop() {
    stopped.countDown();
  }

  /**
   * True once {@link #stop()} was called.
   *
   * @return whether the command was asked to finish
   */
  public boolean isStopped() {
    return stopped.getCount() == 0;
  }

  /**
   * Declares that the command holds (or is starting) something it will clean up when
   * stopped, before it gets to {@link #await()}: a stop from then on waits for the command
   * instead of halting at once, so that what it started is stopped too.
   */
  public void holding() {
    awaited = true;
  }

  /** True once a command has started waiting, and so will clean up when stopped. */
  boolean awaited() {
    return awaited;
  }

  /**
   * Waits until stopped. An interrupt also ends the wait; the interrupt flag is restored.
   */
  public void await() {
    awaited = true;
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until stopped or {@code timeout} passes, so a command can do periodic work.
   *
   * @param timeout the longest to wait
   * @return true if stopped (or interrupted, which counts as a stop; the flag is restored)
   */
  public boolean await(Duration timeout) {
    awaited = true;
    try {
      return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }
}
