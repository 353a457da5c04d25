package dev.roster.internal;

import dev.roster.RosterException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A blocking call into a serial context: the task runs as the context (on the caller's
 * thread when the context is idle, otherwise queued on it) and the caller waits for its
 * result, bounded, so that the state the task touches keeps one writer.
 */
final class ContextCall {
  private ContextCall() {}

  /**
   * Runs {@code task} on {@code context} and waits up to {@code timeout} for it.
   *
   * @param what the call in words, for the messages ("update payments/p1")
   * @return what the task returned
   * @throws RuntimeException what the task threw, as it was
   * @throws RosterException on timeout or interrupt (the interrupt flag stays set)
   */
  static <T> T run(Executor context, Duration timeout, String what, Supplier<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Runnable call = () -> {
      try {
        f.complete(task.get());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    };
    // An idle context runs it here and now: the caller would only wait for it. Each step of
    // such a task is bounded by the operation timeout, like the wait below.
    if (!(context instanceof SerialExecutor serial && serial.runIfIdle(call))) {
      context.execute(call);
    }
    try {
      return f.get(Math.max(1, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RosterException("interrupted while waiting to " + what, e);
    } catch (TimeoutException e) {
      throw new TimedOut("could not " + what + " within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new RosterException("could not " + what, e.getCause());
    }
  }

  /** The task did not finish in time; it may still run. */
  static final class TimedOut extends RosterException {
    private static final long serialVersionUID = 1L;

    TimedOut(String message) {
      super(message);
    }
  }
}
