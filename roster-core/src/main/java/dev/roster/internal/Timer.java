package dev.roster.internal;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One Roster's timer thread. It only times things (retries, confirmations, the pause
 * watchdog's tick) and hands the work to a context; nothing scheduled here runs after
 * {@link #close}.
 */
final class Timer {
  private final ScheduledExecutorService scheduler;
  private volatile boolean closed;

  Timer(String threadName) {
    this.scheduler = Executors.newSingleThreadScheduledExecutor(Threads.daemon(threadName));
  }

  /** Runs {@code task} after {@code delay}, unless closed by then; null if already closed. */
  @Nullable ScheduledFuture<?> schedule(Duration delay, Runnable task) {
    if (closed) {
      return null;
    }
    try {
      return scheduler.schedule(() -> {
        if (!closed) {
          task.run();
        }
      }, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null; // closed meanwhile
    }
  }

  /** Runs {@code task} every {@code period} until closed. */
  void every(Duration period, Runnable task) {
    try {
      scheduler.scheduleWithFixedDelay(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  void close() {
    closed = true;
    scheduler.shutdownNow();
  }
}
