package dev.roster.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.Registration;
import dev.roster.RegistrationConflictException;
import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * Everything the routes share, and the routes themselves: the Roster, one {@link
 * ServiceState} per service asked about (opened on first use and kept while the agent runs),
 * and the registrations held for HTTP clients, with their TTLs.
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
  private final int ringSize;
  private final int maxQueued;
  private final Map<String, ServiceState> services = new ConcurrentHashMap<>();
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  /** Deregistrations of expired TTLs block on ZooKeeper: never on Jetty's scheduler. */
  private final ExecutorService expirer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "roster-agent-ttl");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger parked = new AtomicInteger();
  private final AtomicInteger openStreams = new AtomicInteger();
  private volatile boolean closed;

  /** A registration held for an HTTP client; its lock orders PUT, heartbeat, DELETE and expiry. */
  private final class Held {
    final String key;
    @Nullable Registration registration;
    @Nullable Duration ttl;
    volatile long deadlineNanos;
    Scheduler.@Nullable Task expiry;

    Held(String key) {
      this.key = key;
    }

    void arm() {
      if (expiry != null) {
        expiry.cancel();
        expiry = null;
      }
      if (ttl != null) {
        deadlineNanos = System.nanoTime() + ttl.toNanos();
        expiry = scheduler.schedule(() -> expirer.execute(this::expireIfDue), ttl.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    void expireIfDue() {
      ServiceInstance gone;
      synchronized (this) {
        if (registration == null || ttl == null || System.nanoTime() - deadlineNanos < 0) {
          return;
        }
        gone = registration.instance();
        registration.close();
        registration = null;
        held.remove(key, this);
      }
      log.info("{}/{}: no heartbeat within its TTL; deregistered", gone.service(), gone.id());
      Counter.builder("roster.agent.ttl.expirations")
          .description("TTL registrations removed because no heartbeat came in time")
          .tag("service", gone.service())
          .register(registry)
          .increment();
    }
  }

  AgentState(Roster roster, PrometheusMeterRegistry registry, Scheduler scheduler, Duration keepAlive,
      int ringSize, int maxQueued) {
    this.roster = roster;
    this.registry = registry;
    this.scheduler = scheduler;
    this.keepAlive = keepAlive;
    this.ringSize = ringSize;
    this.maxQueued = maxQueued;
    Gauge.builder("roster.agent.blocking.queries", parked, AtomicInteger::get)
        .description("Blocking queries parked now")
        .register(registry);
    Gauge.builder("roster.agent.sse.streams", openStreams, AtomicInteger::get)
        .description("Event streams open now")
        .register(registry);
  }

  MeterRegistry registry() {
    return registry;
  }

  /**
   * Serves one request of the API.
   *
   * @return the route's bounded name, for the request counter
   */
  String handle(String path, String method, Request request, Response response, Callback callback) {
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
          health(response, callback);
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
            put(rest.get(0), rest.get(2), request, response, callback);
          } else {
            delete(rest.get(0), rest.get(2), response, callback);
          }
        }
        case "heartbeat" -> {
          allow(method, "PUT");
          heartbeat(rest.get(0), rest.get(2), response, callback);
        }
        default -> throw new HttpError(404, "no route for " + path, null);
      }
    } catch (HttpError e) {
      Http.error(response, callback, e.status, e.getMessage(), e.field);
    } catch (RuntimeException e) {
      log.warn("{} {} failed", method, path, e);
      Http.error(response, callback, 500, "internal error; the agent's log says more", null);
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

  private void health(Response response, Callback callback) {
    ObjectNode body = Http.MAPPER.createObjectNode();
    boolean up = roster.isConnected();
    body.put("status", up ? "connected" : "disconnected");
    body.put("zookeeper", roster.connectString());
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
        state = state(name);
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

  private ServiceState state(String name) {
    ServiceState state = services.get(name);
    if (state != null) {
      return state;
    }
    try {
      return services.computeIfAbsent(name, n -> new ServiceState(n, roster.watch(n), ringSize));
    } catch (IllegalArgumentException e) {
      throw HttpError.invalid(e);
    }
  }

  private void service(String name, Request request, Response response, Callback callback) {
    Fields query = Request.extractQueryParameters(request);
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
    ServiceState state = state(name);
    Query q = new Query(state, response, callback);
    if (state.await(index, q)) {
      q.park(request, wait);
    }
  }

  /** A blocking query: parked holding no thread, answered by a change, its timer, or abandoned. */
  private final class Query implements ServiceState.Waiter {
    private final ServiceState state;
    private final Response response;
    private final Callback callback;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Scheduler.@Nullable Task timer;
    private volatile boolean counted;

    Query(ServiceState state, Response response, Callback callback) {
      this.state = state;
      this.response = response;
      this.callback = callback;
    }

    void park(Request request, Duration wait) {
      parked.incrementAndGet();
      counted = true;
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

  private void events(String name, Request request, Response response, Callback callback) {
    ServiceState state = state(name);
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

  private void put(String service, String id, Request request, Response response, Callback callback) {
    byte[] body = body(request);
    String key = service + "/" + id;
    ServiceInstance instance;
    Duration ttl;
    while (true) {
      Held h = held.computeIfAbsent(key, Held::new);
      synchronized (h) {
        if (held.get(key) != h) {
          continue; // expired or deleted meanwhile: a fresh slot takes the request
        }
        try {
          register(h, service, id, body);
        } catch (RuntimeException e) {
          if (h.registration == null) {
            held.remove(key, h);
          }
          throw e;
        }
        instance = h.registration.instance();
        ttl = h.ttl;
        break;
      }
    }
    ObjectNode out = Http.MAPPER.createObjectNode();
    out.put("service", service);
    out.set("instance", InstanceJson.of(instance));
    out.put("ttl", ttl == null ? null : Durations.format(ttl));
    Http.json(response, callback, 200, out);
  }

  /** Registers or updates the slot's instance from the body. Holding the slot's lock. */
  private void register(Held h, String service, String id, byte[] body) {
    Instant registeredAt = h.registration == null ? null : h.registration.instance().registeredAt();
    InstanceJson.Body b = InstanceJson.read(service, id, body, registeredAt);
    try {
      if (h.registration == null) {
        h.registration = roster.register(b.instance());
      } else {
        h.registration.update(b.instance());
      }
    } catch (RegistrationConflictException e) {
      throw new HttpError(409, "instance id '" + id + "': held by another ZooKeeper session (0x"
          + Long.toHexString(e.ownerSessionId()) + ")", "instance id");
    } catch (IllegalStateException e) {
      throw new HttpError(409, "instance id '" + id + "': already registered by this agent's Roster, "
          + "not through the HTTP API", "instance id");
    } catch (IllegalArgumentException e) {
      throw HttpError.invalid(e);
    } catch (UnsupportedOperationException e) {
      throw new HttpError(400, "this agent's codec cannot write instances", null);
    } catch (RosterException e) {
      throw new HttpError(503, "ZooKeeper did not accept the registration in time", null);
    }
    h.ttl = b.ttl();
    h.arm();
  }

  private void heartbeat(String service, String id, Response response, Callback callback) {
    Held h = held.get(service + "/" + id);
    if (h == null) {
      throw notHeld(service, id);
    }
    synchronized (h) {
      if (h.registration == null) {
        throw notHeld(service, id);
      }
      h.arm();
    }
    ObjectNode out = Http.MAPPER.createObjectNode();
    out.put("service", service);
    out.put("id", id);
    Duration ttl = h.ttl;
    out.put("ttl", ttl == null ? null : Durations.format(ttl));
    Http.json(response, callback, 200, out);
  }

  private void delete(String service, String id, Response response, Callback callback) {
    String key = service + "/" + id;
    Held h = held.get(key);
    if (h == null) {
      throw notHeld(service, id);
    }
    synchronized (h) {
      if (h.registration == null) {
        throw notHeld(service, id);
      }
      if (h.expiry != null) {
        h.expiry.cancel();
      }
      h.registration.close();
      h.registration = null;
      held.remove(key, h);
    }
    ObjectNode out = Http.MAPPER.createObjectNode();
    out.put("service", service);
    out.put("id", id);
    out.put("deregistered", true);
    Http.json(response, callback, 200, out);
  }

  private static HttpError notHeld(String service, String id) {
    return new HttpError(404, "instance id '" + id + "': not registered through this agent in service '"
        + service + "'", "instance id");
  }

  /** The request body, at most {@link #MAX_BODY} bytes. Blocks this request's thread to read. */
  private static byte[] body(Request request) {
    long declared = request.getLength();
    if (declared > MAX_BODY) {
      throw new HttpError(413, "body of " + declared + " bytes: at most " + MAX_BODY, "body");
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] bytes = in.readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
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
    for (ServiceState s : services.values()) {
      s.close();
    }
    services.clear();
    for (Held h : held.values()) {
      synchronized (h) {
        if (h.expiry != null) {
          h.expiry.cancel();
        }
        if (h.registration != null) {
          h.registration.close();
          h.registration = null;
        }
      }
    }
    held.clear();
    expirer.shutdown();
  }

  /** How many registrations the agent holds for HTTP clients. */
  int heldCount() {
    return held.size();
  }
}
