package dev.roster.internal;

import dev.roster.RosterEventListener;
import dev.roster.ServiceInstance;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one event path of a Roster: every callback into user code — the {@link
 * RosterEventListener}, every view's listeners, health listeners, and stages chained on
 * {@code whenReady()} — runs here, one at a time, in the order the events happened.
 *
 * <p>Events are queued after the state change they report and outside any lock, then run
 * on the Roster's own event thread, or on the executor the builder was given (still one at
 * a time: a {@link SerialExecutor} over it, as Caffeine runs its removal listener on the
 * configured executor). What a callback throws, {@link Error}s included, is logged and stops
 * nothing else. The event thread is not one of Roster's working contexts, so a callback may
 * call any Roster method, blocking ones included: they wait for the registrar or a view,
 * never for this path.
 */
final class Events implements RosterEventListener {
  private static final Logger log = LoggerFactory.getLogger(Events.class);

  private final RosterEventListener delegate;
  /** False for {@link RosterEventListener#NONE}: its events are not even queued. */
  private final boolean listening;
  private final @Nullable ExecutorService ownThread;
  private final SerialExecutor path;
  private volatile @Nullable Thread current;
  private volatile boolean closed;

  /**
   * @param executor the builder's executor, or null for a thread of this Roster's own
   */
  Events(RosterEventListener delegate, @Nullable Executor executor, String threadName) {
    this.delegate = delegate;
    this.listening = delegate != RosterEventListener.NONE;
    this.ownThread = executor == null ? Executors.newSingleThreadExecutor(Threads.daemon(threadName)) : null;
    this.path = new SerialExecutor(executor != null ? executor : ownThread, "roster-events", false);
  }

  /**
   * Runs {@code callback} on the event path, catching everything it throws. After {@link
   * #close} (or if the builder's executor refuses it) it runs on the caller's thread, so
   * that nothing waits forever for an event that was never delivered.
   */
  void execute(Runnable callback) {
    Runnable guarded = () -> {
      current = Thread.currentThread();
      try {
        callback.run();
      } catch (Throwable t) {
        log.warn("a Roster listener threw; other listeners and later events still run", t);
      } finally {
        current = null;
      }
    };
    if (closed) {
      guarded.run();
      return;
    }
    try {
      path.execute(guarded);
    } catch (RejectedExecutionException e) {
      guarded.run();
    }
  }

  /** True when called from a callback running on this path. */
  boolean onEventPath() {
    return current == Thread.currentThread();
  }

  /**
   * Delivers what is queued, waiting up to {@code timeout} (not at all when called from a
   * callback, which would wait for itself), then stops the own thread. Later events run on
   * the caller's thread.
   */
  void close(Duration timeout) {
    if (!onEventPath()) {
      CountDownLatch drained = new CountDownLatch(1);
      try {
        path.execute(drained::countDown);
        if (!drained.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("Roster listeners did not finish within {} ms of close(); not waiting for them", timeout.toMillis());
        }
      } catch (RejectedExecutionException e) {
        // the builder's executor is shut down: nothing more will run there
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closed = true;
    if (ownThread != null) {
      ownThread.shutdown();
    }
  }

  private void emit(Runnable call) {
    if (listening) {
      execute(call);
    }
  }

  @Override
  public void connectionStateChanged(ConnectionState state) {
    emit(() -> delegate.connectionStateChanged(state));
  }

  @Override
  public void sessionStarted(long previousSessionId, long sessionId) {
    emit(() -> delegate.sessionStarted(previousSessionId, sessionId));
  }

  @Override
  public void registered(ServiceInstance instance, RegisterReason reason, Duration took) {
    emit(() -> delegate.registered(instance, reason, took));
  }

  @Override
  public void deregistered(ServiceInstance instance) {
    emit(() -> delegate.deregistered(instance));
  }

  @Override
  public void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {
    emit(() -> delegate.staleNodeReplaced(instance, oldSessionId));
  }

  @Override
  public void registrationConflict(ServiceInstance instance, long ownerSessionId) {
    emit(() -> delegate.registrationConflict(instance, ownerSessionId));
  }

  @Override
  public void registrationRefused(ServiceInstance instance, String reason) {
    emit(() -> delegate.registrationRefused(instance, reason));
  }

  @Override
  public void nodeSkipped(String service, String path, String codec, String reason) {
    emit(() -> delegate.nodeSkipped(service, path, codec, reason));
  }

  @Override
  public void changePropagated(String service, Duration sinceWritten) {
    emit(() -> delegate.changePropagated(service, sinceWritten));
  }

  /**
   * {@link #changePropagated} for a node written at {@code mtimeMillis} (the server's clock),
   * measured when the event runs: after the view's listeners, queued before it, were told.
   * Negative (the server's clock ahead of ours) is reported as zero.
   */
  void changePropagatedSince(String service, long mtimeMillis) {
    emit(() -> delegate.changePropagated(service,
        Duration.ofMillis(Math.max(0, System.currentTimeMillis() - mtimeMillis))));
  }

  @Override
  public void massRemovalHeld(String service, int removing, int holding) {
    emit(() -> delegate.massRemovalHeld(service, removing, holding));
  }

  @Override
  public void massRemovalConfirmed(String service, int removed) {
    emit(() -> delegate.massRemovalConfirmed(service, removed));
  }

  @Override
  public void viewRead(String service, boolean fullResync, int reads) {
    emit(() -> delegate.viewRead(service, fullResync, reads));
  }
}
