package dev.roster.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** A minimal server-sent events client for the tests: events and comments, in order. */
final class Sse implements AutoCloseable {
  /** One event as received; a comment has a null type. */
  record Event(@Nullable String id, @Nullable String type, String data) {}

  final HttpResponse<InputStream> response;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;

  private Sse(HttpResponse<InputStream> response) {
    this.response = response;
    reader = new Thread(this::read, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  static Sse open(HttpClient client, URI uri, @Nullable String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    return new Sse(client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  /** A stream on a request of the caller's, with its own headers (a token, say). */
  static Sse open(HttpClient client, HttpRequest request) throws Exception {
    return new Sse(client.send(request, HttpResponse.BodyHandlers.ofInputStream()));
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String id = null;
      String type = null;
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (type != null || data.length() > 0) {
            events.add(new Event(id, type, data.toString()));
          }
          id = null;
          type = null;
          data.setLength(0);
        } else if (line.startsWith(":")) {
          events.add(new Event(null, null, line.substring(1).trim()));
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    } catch (IOException e) {
      // The stream ended: closed by the test or the server.
    }
  }

  /** The next event that is not a comment, waiting at most {@code timeout}. */
  Event next(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Event e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("no event within " + timeout);
      }
      if (e.type() != null) {
        return e;
      }
    }
  }

  /** The next event or comment, or null if none comes within {@code timeout}. */
  @Nullable Event poll(Duration timeout) throws InterruptedException {
    return events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
