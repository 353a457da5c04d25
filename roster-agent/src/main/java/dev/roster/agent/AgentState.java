package dev.roster.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.agent.dns.DnsServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's routes: parses a path into a route, checks the method, and answers from the
 * {@link WatchedServices} (reads, blocking queries, event streams) or the {@link
 * HeldRegistrations} (writes). Refusals are {@link HttpError}s, answered as JSON here.
 */
final class AgentState {
  private static final Logger log = LoggerFactory.getLogger(AgentState.class);

  static final int MAX_BODY = 64 * 1024;
  static final Duration MAX_WAIT = Duration.ofMinutes(10);
  static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
  /** How long a plain GET waits for a view that has not read ZooKeeper yet. */
  private static final Duration FIRST_READ = Duration.ofSeconds(10);

  private final Roster roster;
  private final PrometheusMeterRegistry registry;
  private final Scheduler scheduler;
  private final Duration keepAlive;
  private final int maxQueued;
  private final WatchedServices services;
  private final HeldRegistrations held;
  private final AtomicInteger parked = new AtomicInteger();
  private final AtomicInteger openStreams = new AtomicInteger();
  private volatile boolean closed;

  AgentState(Roster roster, PrometheusMeterRegistry registry, Scheduler scheduler, Duration keepAlive,
      int ringSize, int maxQueued, int maxServices, Duration serviceIdle, @Nullable DnsServer dns) {
    this.roster = roster;
    this.registry = registry;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
    this.maxQueued = maxQueued;
    this.services = new WatchedServices(roster, registry, scheduler, ringSize, maxServices, serviceIdle, dns);
    this.held = new HeldRegistrations(roster, registry, scheduler);
    Gauge.builder("roster.agent.blocking.queries", parked, AtomicInteger::get)
        .description("Blocking queries parked now")
        .register(registry);
    Gauge.builder("roster.agent.sse.streams", openStreams, AtomicInteger::get)
        .description("Event streams open now")
        .register(registry);
  }

  /** Starts the agent's background work, once the server (and its scheduler) runs. */
  void start() {
    services.start();
  }

  MeterRegistry registry() {
    return registry;
  }

  /**
   * Serves one request of the API.
   *
   * @return the route's bounded name, for the request counter
   */
  String handle(String path, String method, boolean mayRead, Request request, Response response,
      Callback callback) {
    String route = "unknown";
    try {
      List<String> parts = segments(path);
      route = route(parts);
      if (closed) {
        throw new HttpError(503, "the agent is stopping", null);
      }
      List<String> rest = parts.size() >= 2 ? parts.subList(2, parts.size()) : List.of();
      switch (route) {
        case "health" -> {
          allow(method, "GET");
          health(mayRead, response, callback);
        }
        case "metrics" -> {
          allow(method, "GET");
          metrics(response, callback);
        }
        case "services" -> {
          allow(method, "GET");
          list(response, callback);
        }
        case "service" -> {
          allow(method, "GET");
          service(rest.get(0), request, response, callback);
        }
        case "events" -> {
          allow(method, "GET");
          events(rest.get(0), request, response, callback);
        }
        case "instance" -> {
          allow(method, "PUT", "DELETE");
          if (method.equals("PUT")) {
            Http.json(response, callback, 200, held.put(rest.get(0), rest.get(2), body(request)));
          } else {
            Http.json(response, callback, 200, held.delete(rest.get(0), rest.get(2)));
          }
        }
        case "heartbeat" -> {
          allow(method, "PUT");
          Http.json(response, callback, 200, held.heartbeat(rest.get(0), rest.get(2)));
        }
        default -> throw new HttpError(404, "no route for " + path, null);
      }
    } catch (HttpError e) {
      // A route may refuse before it reads the body; what is left of it is read first.
      Http.error(response, callback, e.status, e.getMessage(), e.field, !Http.drain(request));
    } catch (RuntimeException e) {
      log.warn("{} {} failed", method, path, e);
      Http.error(response, callback, 500, "internal error; the agent's log says more", null, !Http.drain(request));
    }
    return route;
  }

  /** The route a path names, a bounded label for metrics; "unknown" for none. */
  private static String route(List<String> parts) {
    if (parts.size() == 1 && (parts.get(0).equals("health") || parts.get(0).equals("metrics"))) {
      return parts.get(0);
    }
    if (parts.size() < 2 || !parts.get(0).equals("v1") || !parts.get(1).equals("services")) {
      return "unknown";
    }
    List<String> rest = parts.subList(2, parts.size());
    return switch (rest.size()) {
      case 0 -> "services";
      case 1 -> "service";
      case 2 -> rest.get(1).equals("events") ? "events" : "unknown";
      case 3 -> rest.get(1).equals("instances") ? "instance" : "unknown";
      case 4 -> rest.get(1).equals("instances") && rest.get(3).equals("heartbeat") ? "heartbeat" : "unknown";
      default -> "unknown";
    };
  }

  private static void allow(String method, String... methods) {
    for (String m : methods) {
      if (m.equals(method) || (m.equals("GET") && method.equals("HEAD"))) {
        return;
      }
    }
    throw new HttpError(405, "method " + method + " not allowed here; use " + String.join(" or ", methods), null);
  }

  private void health(boolean mayRead, Response response, Callback callback) {
    ObjectNode body = Http.MAPPER.createObjectNode();
    boolean up = roster.isConnected();
    body.put("status", up ? "connected" : "disconnected");
    if (mayRead) {
      body.put("zookeeper", roster.connectString());
    }
    Http.json(response, callback, up ? 200 : 503, body);
  }

  private void metrics(Response response, Callback callback) {
    byte[] text = registry.scrape().getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, text.length);
    response.write(true, ByteBuffer.wrap(text), callback);
  }

  private void list(Response response, Callback callback) {
    List<String> names;
    try {
      names = new ArrayList<>(roster.services());
    } catch (RosterException e) {
      throw new HttpError(503, "ZooKeeper could not be read: " + e.getMessage(), null);
    }
    ArrayNode array = Http.MAPPER.createArrayNode();
    for (String name : names) {
      ServiceState state;
      try {
        state = services.get(name);
      } catch (HttpError e) {
        // A node another tool named in a way Roster cannot watch: listed, uncounted.
        array.addObject().put("name", name).putNull("instances");
        continue;
      }
      array.addObject().put("name", name).put("instances", state.snapshot().instances.size());
    }
    ObjectNode body = Http.MAPPER.createObjectNode();
    body.set("services", array);
    Http.json(response, callback, 200, body);
  }

  private void service(String name, Request request, Response response, Callback callback) {
    Fields query;
    try {
      query = Request.extractQueryParameters(request);
    } catch (RuntimeException e) {
      // Jetty refuses a bad percent-escape or non-UTF-8 bytes with an exception of its own.
      throw new HttpError(400, "query string: not valid percent-encoded UTF-8", "query");
    }
    String indexText = query.getValue("index");
    long index = -1;
    Duration wait = FIRST_READ;
    if (indexText != null) {
      try {
        index = Long.parseLong(indexText);
      } catch (NumberFormatException e) {
        index = -2;
      }
      if (index < 0) {
        throw new HttpError(400, "index '" + indexText + "': expected a non-negative integer", "index");
      }
      String waitText = query.getValue("wait");
      wait = waitText == null ? DEFAULT_WAIT : Durations.parse("wait", waitText, Duration.ZERO, Duration.ofDays(1));
      if (wait.compareTo(MAX_WAIT) > 0) {
        wait = MAX_WAIT;
      }
      // Clients that all started together spread out instead of coming back at once.
      long extra = wait.toMillis() / 16;
      wait = wait.plusMillis(extra == 0 ? 0 : ThreadLocalRandom.current().nextLong(extra + 1));
    }
    ServiceState state = services.get(name);
    new BlockingQuery(state, response, callback, parked).start(index, request, wait, scheduler);
  }

  private void events(String name, Request request, Response response, Callback callback) {
    ServiceState state = services.get(name);
    Long lastEventId = null;
    String last = request.getHeaders().get("Last-Event-ID");
    if (last != null) {
      try {
        lastEventId = Long.parseLong(last.trim());
      } catch (NumberFormatException e) {
        // Not one of ours: start over with a snapshot.
      }
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    openStreams.incrementAndGet();
    EventStream[] self = new EventStream[1];
    EventStream stream = new EventStream(response, callback, maxQueued, scheduler, keepAlive, reason -> {
      openStreams.decrementAndGet();
      state.unsubscribe(self[0]);
      if (reason != null) {
        Counter.builder("roster.agent.sse.dropped")
            .description("Event streams dropped by the agent")
            .tag("reason", reason)
            .register(registry)
            .increment();
      }
    });
    self[0] = stream;
    request.addIdleTimeoutListener(timeout -> false);
    request.addFailureListener(failure -> stream.drop(null, failure));
    state.subscribe(stream, lastEventId);
    stream.startKeepAlive();
  }

  /**
   * The request body, at most {@link #MAX_BODY} bytes. Blocks this request's thread to read. A
   * 413 leaves the rest of the body to {@link #handle}'s {@link Http#drain}, like every refusal.
   */
  private static byte[] body(Request request) {
    long declared = request.getLength();
    if (declared > MAX_BODY) {
      throw new HttpError(413, "body of " + declared + " bytes: at most " + MAX_BODY, "body");
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] bytes = in.readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
        // Read on through this stream: closing it short of the end fails the request's content,
        // and then the drain after the refusal can only close the connection.
        Http.drained(in, Http.MAX_DRAIN - bytes.length);
        throw new HttpError(413, "body over " + MAX_BODY + " bytes", "body");
      }
      return bytes;
    } catch (IOException e) {
      throw new HttpError(400, "body: could not be read", "body");
    }
  }

  private static List<String> segments(String path) {
    List<String> parts = new ArrayList<>();
    for (String raw : path.split("/")) {
      if (!raw.isEmpty()) {
        try {
          parts.add(org.eclipse.jetty.util.URIUtil.decodePath(raw));
        } catch (IllegalArgumentException e) {
          throw new HttpError(400, "path: bad percent-encoding", null);
        }
      }
    }
    return parts;
  }

  /** Stops serving: answers parked queries, ends streams, deregisters what the agent holds. */
  void close() {
    closed = true;
    services.close();
    held.close();
  }

  /** How many registrations the agent holds for HTTP clients. */
  int heldCount() {
    return held.count();
  }

  /** The watched services, for the DNS server. */
  DnsServer.Catalog dnsCatalog() {
    return services.dnsCatalog();
  }

  /** How many services the agent keeps a view of. */
  int watchedCount() {
    return services.size();
  }
}
