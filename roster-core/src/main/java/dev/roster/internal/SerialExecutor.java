package dev.roster.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared delegate executor, like gRPC's
 * {@code SynchronizationContext}: all events for one piece of state funnel through one of
 * these, so that state needs no locks and events apply in order. A task that throws is
 * logged and does not stop the tasks after it.
 */
public final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor delegate;
  private final String name;
  /** True for Roster's own working contexts, on which blocking calls are refused (see {@link Threads}). */
  private final boolean internal;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean();

  /** A context of Roster's own, on which blocking Roster calls are refused. */
  public SerialExecutor(Executor delegate, String name) {
    this(delegate, name, true);
  }

  SerialExecutor(Executor delegate, String name, boolean internal) {
    this.delegate = delegate;
    this.name = name;
    this.internal = internal;
  }

  @Override
  public void execute(Runnable task) {
    queue.add(task);
    schedule();
  }

  private void schedule() {
    if (running.compareAndSet(false, true)) {
      try {
        delegate.execute(this::drain);
      } catch (RejectedExecutionException e) {
        running.set(false);
        queue.clear();
        log.debug("{}: executor shut down, dropping queued tasks", name);
      }
    }
  }

  /**
   * Runs {@code task} on the calling thread, as this context, if the context is idle;
   * otherwise runs nothing. For a caller that would only block waiting for the task anyway:
   * it saves two thread hand-offs, and the task is still alone on the context.
   *
   * @return true if the task ran
   */
  public boolean runIfIdle(Runnable task) {
    if (!queue.isEmpty() || !running.compareAndSet(false, true)) {
      return false;
    }
    String mark = internal ? Threads.enter(name) : null;
    try {
      task.run();
    } finally {
      if (internal) {
        Threads.leave(mark);
      }
      running.set(false);
    }
    if (!queue.isEmpty()) {
      schedule(); // what was queued meanwhile runs as usual
    }
    return true;
  }

  private void drain() {
    String mark = internal ? Threads.enter(name) : null;
    try {
      Runnable task;
      while ((task = queue.poll()) != null) {
        try {
          task.run();
        } catch (Throwable t) {
          log.warn("{}: task failed", name, t);
        }
      }
    } finally {
      if (internal) {
        Threads.leave(mark);
      }
      running.set(false);
    }
    // A task may have been queued after the last poll but before running was cleared.
    if (!queue.isEmpty()) {
      schedule();
    }
  }
}
