package dev.roster.agent;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * One subscriber of a service's server-sent events: a bounded queue of frames written one at
 * a time without blocking. {@link #offer} never waits: a subscriber whose queue is full is
 * too slow to keep up and is dropped (its connection aborted, so it reconnects with {@code
 * Last-Event-ID}), and memory stays bounded.
 */
final class EventStream extends IteratingCallback {
  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

  private final Response response;
  private final Callback callback;
  private final int maxQueued;
  private final Scheduler scheduler;
  private final Duration keepAlive;
  /** Told once when the stream ends, with the reason it was dropped or null. */
  private final Consumer<@Nullable String> onEnd;
  private final AtomicBoolean completed = new AtomicBoolean();
  private final Object lock = new Object();
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private boolean ending;
  private boolean lastWritten;
  private volatile Scheduler.@Nullable Task keepAliveTask;

  EventStream(Response response, Callback callback, int maxQueued, Scheduler scheduler, Duration keepAlive,
      Consumer<@Nullable String> onEnd) {
    this.response = response;
    this.callback = callback;
    this.maxQueued = maxQueued;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
    this.onEnd = onEnd;
  }

  /** Queues a frame without writing; {@link #iterate()} writes. False if the stream ended. */
  boolean queue(byte[] frame) {
    synchronized (lock) {
      if (ending) {
        return false;
      }
      if (queue.size() >= maxQueued) {
        ending = true;
        queue.clear();
      } else {
        queue.add(frame);
        return true;
      }
    }
    drop("slow", new java.io.IOException("subscriber too slow: " + maxQueued + " events queued"));
    return false;
  }

  /** Queues a frame and writes it if nothing else is being written. */
  void send(byte[] frame) {
    if (queue(frame)) {
      iterate();
    }
  }

  void startKeepAlive() {
    keepAliveTask = scheduler.schedule(this::keepAlive, keepAlive.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void keepAlive() {
    synchronized (lock) {
      if (ending) {
        return;
      }
    }
    send(KEEP_ALIVE);
    startKeepAlive();
  }

  /** Ends the stream cleanly after what is queued: the agent is closing. */
  void end() {
    synchronized (lock) {
      ending = true;
    }
    iterate();
  }

  /** Aborts the stream at once: the client went away, or is too slow. */
  void drop(@Nullable String reason, Throwable why) {
    synchronized (lock) {
      ending = true;
      queue.clear();
    }
    // Failing the request's callback aborts the connection, which also fails a write that a
    // slow client keeps pending; only then can this callback complete.
    finish(reason, why);
    abort(why);
  }

  @Override
  protected Action process() {
    byte[] next;
    synchronized (lock) {
      if (lastWritten) {
        return Action.SUCCEEDED;
      }
      next = queue.poll();
      if (next == null) {
        if (!ending) {
          return Action.IDLE;
        }
        lastWritten = true;
      }
    }
    if (next == null) {
      response.write(true, ByteBuffer.allocate(0), this);
    } else {
      response.write(false, ByteBuffer.wrap(next), this);
    }
    return Action.SCHEDULED;
  }

  @Override
  protected void onCompleteSuccess() {
    finish(null, null);
  }

  @Override
  protected void onCompleteFailure(Throwable cause) {
    finish(null, cause);
  }

  private void finish(@Nullable String reason, @Nullable Throwable failure) {
    if (!completed.compareAndSet(false, true)) {
      return;
    }
    synchronized (lock) {
      ending = true;
      queue.clear();
    }
    Scheduler.Task task = keepAliveTask;
    if (task != null) {
      task.cancel();
    }
    onEnd.accept(reason);
    if (failure == null) {
      callback.succeeded();
    } else {
      callback.failed(failure);
    }
  }
}
