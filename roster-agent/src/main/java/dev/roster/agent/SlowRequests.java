package dev.roster.agent;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Cuts off clients that send a request too slowly (slowloris): a request must arrive whole,
 * head and body, within the request timeout of its first byte, or its connection is closed.
 *
 * <p>Why this and not Jetty's own settings: the idle timeout restarts at every byte, so one
 * byte a second keeps a connection forever; and Jetty 12's {@code
 * HttpConfiguration.setMinRequestDataRate} is not enforced by its HTTP/1.1 connection. So a
 * sweep looks at each connection's parser: a connection is receiving while its parser is past
 * the start of a request and before its end. Responses are not requests: a parked blocking
 * query or an open event stream has its request whole (the parser at its end), so neither is
 * ever cut here, however long it lasts. An idle keep-alive connection waiting for its next
 * request is at the start, and is left to the idle timeout.
 */
final class SlowRequests {
  private final ServerConnector connector;
  private final Scheduler scheduler;
  private final long timeoutNanos;
  private final long periodMillis;
  private volatile boolean stopped;
  private volatile Scheduler.@Nullable Task task;

  SlowRequests(ServerConnector connector, Scheduler scheduler, Duration timeout) {
    this.connector = connector;
    this.scheduler = scheduler;
    this.timeoutNanos = timeout.toNanos();
    this.periodMillis = Math.max(20, Math.min(250, timeout.toMillis() / 8));
  }

  void start() {
    schedule();
  }

  void stop() {
    stopped = true;
    Scheduler.Task t = task;
    if (t != null) {
      t.cancel();
    }
  }

  private void schedule() {
    if (!stopped) {
      task = scheduler.schedule(this::sweep, periodMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      for (EndPoint endPoint : connector.getConnectedEndPoints()) {
        // Jetty's parser says when the request's first byte came (its begin time) and how far
        // it has got; it is read here off its thread, so a sweep may see it a little late.
        if (endPoint.getConnection() instanceof HttpConnection http && isReceiving(http.getParser())
            && now - http.getParser().getBeginNanoTime() > timeoutNanos) {
          endPoint.close(new TimeoutException("request not received whole within "
              + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
        }
      }
    } finally {
      schedule();
    }
  }

  /**
   * Past the start of a request and before its end: its head, or a body it has, is still
   * coming. A request without a body stays in the parser's content state (with a length of 0)
   * until it is answered, and is not receiving then.
   */
  private static boolean isReceiving(HttpParser parser) {
    if (parser.inContentState()) {
      return parser.isChunking() || parser.getContentRead() < parser.getContentLength();
    }
    return !parser.isStart() && parser.inHeaderState();
  }
}
