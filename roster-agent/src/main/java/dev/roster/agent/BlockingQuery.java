package dev.roster.agent;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * One {@code GET /v1/services/{name}} answered with the service's state: at once, or parked
 * holding no thread until a change, its timer, or its client leaving ends it. Answered once.
 */
final class BlockingQuery implements ServiceState.Waiter {
  private final ServiceState state;
  private final Response response;
  private final Callback callback;
  /** The agent's gauge of parked queries. */
  private final AtomicInteger parked;
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile Scheduler.@Nullable Task timer;
  private volatile boolean counted;

  BlockingQuery(ServiceState state, Response response, Callback callback, AtomicInteger parked) {
    this.state = state;
    this.response = response;
    this.callback = callback;
    this.parked = parked;
  }

  /** Answers now if the index already moved past {@code index}, else parks up to {@code wait}. */
  void start(long index, Request request, Duration wait, Scheduler scheduler) {
    // Counted before it can be answered, so an answer that comes at once releases it.
    parked.incrementAndGet();
    counted = true;
    if (!state.await(index, this)) {
      return;
    }
    // A long wait outlives the connector's idle timeout; the wait's own timer ends it.
    request.addIdleTimeoutListener(timeout -> false);
    request.addFailureListener(failure -> {
      if (done.compareAndSet(false, true)) {
        state.remove(this);
        release();
        callback.failed(failure);
      }
    });
    timer = scheduler.schedule(() -> {
      if (state.remove(this)) {
        answer(state.snapshot());
      }
    }, wait.toMillis(), TimeUnit.MILLISECONDS);
    if (done.get()) {
      // Answered between await() and here: the timer is not needed.
      Scheduler.Task t = timer;
      if (t != null) {
        t.cancel();
      }
    }
  }

  @Override
  public void answer(ServiceState.Snapshot snapshot) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    Scheduler.Task t = timer;
    if (t != null) {
      t.cancel();
    }
    release();
    byte[] body = snapshot.json(state.service());
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Http.JSON);
    response.getHeaders().put("X-Roster-Index", Long.toString(snapshot.index));
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private void release() {
    if (counted) {
      counted = false;
      parked.decrementAndGet();
    }
  }
}
