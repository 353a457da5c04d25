package dev.roster.agent;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
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
  /** When a connection was first seen receiving, and how many responses it had sent then. */
  private record Receiving(long sinceNanos, long responses) {}

  private final ServerConnector connector;
  private final Scheduler scheduler;
  private final long timeoutNanos;
  private final long periodMillis;
  private final Map<EndPoint, Receiving> receiving = new ConcurrentHashMap<>();
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
    receiving.clear();
  }

  private void schedule() {
    if (!stopped) {
      task = scheduler.schedule(this::sweep, periodMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      receiving.keySet().removeIf(endPoint -> !endPoint.isOpen());
      for (EndPoint endPoint : connector.getConnectedEndPoints()) {
        Connection connection = endPoint.getConnection();
        if (!(connection instanceof HttpConnection http) || !isReceiving(http.getParser())) {
          receiving.remove(endPoint);
          continue;
        }
        long responses = http.getMessagesOut();
        Receiving seen = receiving.get(endPoint);
        if (seen == null || seen.responses() != responses) {
          // A new request: on HTTP/1.1 the next one starts only after the last response.
          receiving.put(endPoint, new Receiving(now, responses));
        } else if (now - seen.sinceNanos() > timeoutNanos) {
          receiving.remove(endPoint);
          endPoint.close(new TimeoutException("request not received whole within "
              + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
        }
      }
    } finally {
      schedule();
    }
  }

  /** Past the start of a request and before its end: its head or body is still coming. */
  private static boolean isReceiving(HttpParser parser) {
    return !parser.isStart() && (parser.inHeaderState() || parser.inContentState());
  }
}
