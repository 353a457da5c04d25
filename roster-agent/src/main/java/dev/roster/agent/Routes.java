package dev.roster.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The agent's one handler: answers CORS preflights from named origins, refuses what lacks the
 * token it needs ({@link Access}), then parses the path into a route and dispatches on it.
 * Routes that answer at once do so on the calling thread; blocking queries and event streams
 * return {@code true} without completing the callback, which a view listener completes later.
 */
final class Routes extends Handler.Abstract {
  private static final String DASHBOARD = "dev/roster/agent/dashboard/";
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "ico", "image/x-icon",
      "json", "application/json");

  private final AgentState state;
  private final Access access;
  private final Cors cors;
  /** Dashboard files by name, read once: they are small and never change while running. */
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();

  Routes(AgentState state, Access access, Cors cors) {
    this.state = state;
    this.access = access;
    this.cors = cors;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    if (path == null) {
      path = "/";
    }
    long start = System.nanoTime();
    if (cors.preflight(request, response, callback)) {
      return true;
    }
    cors.decorate(request, response);
    boolean dashboard = path.equals("/") || path.startsWith("/dashboard/");
    Access.Need need = dashboard || path.equals("/health") ? Access.Need.NONE
        : method.equals("GET") || method.equals("HEAD") ? Access.Need.READ
        : Access.Need.WRITE;
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    Access.Refusal refusal = access.check(need, authorization);
    String route;
    if (refusal != null) {
      route = "refused";
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, refusal.challenge());
      // Its body is read and dropped (at most Http.MAX_DRAIN) so the refusal reaches the client.
      Http.error(response, callback, refusal.status(), refusal.message(), "authorization", !Http.drain(request));
    } else if (dashboard) {
      String name = path.equals("/") ? "index.html" : path.substring("/dashboard/".length());
      route = "dashboard";
      staticFile(name, method, request, response, callback);
    } else {
      // /health names the ensemble only to those who may read.
      boolean mayRead = access.check(Access.Need.READ, authorization) == null;
      route = state.handle(path, method, mayRead, request, response, callback);
    }
    // Up to here only: a parked query or an open stream has returned, and its waiting is not
    // the agent's work.
    Timer.builder("roster.agent.http.request.duration")
        .description("Time spent serving HTTP requests, excluding time parked in blocking queries and streams")
        .tag("route", route)
        .register(state.registry())
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    // Counted when the exchange ends, so parked queries and streams count with their status.
    Request.addCompletionListener(request, failure -> Counter.builder("roster.agent.http.requests")
        .description("HTTP requests answered, by route and status code")
        .tags("route", route, "code", Integer.toString(response.getStatus()))
        .register(state.registry())
        .increment());
    return true;
  }

  private void staticFile(String name, String method, Request request, Response response, Callback callback) {
    if (name.isEmpty() || name.contains("..") || name.contains("/") || name.contains("\\")) {
      Http.error(response, callback, 404, "no such file", null, !Http.drain(request));
      return;
    }
    byte[] body = files.computeIfAbsent(name, Routes::load);
    if (body.length == 0) {
      Http.error(response, callback, 404, "no such file: " + name, null, !Http.drain(request));
      return;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      Http.error(response, callback, 405, "method " + method + " not allowed; use GET", null, !Http.drain(request));
      return;
    }
    int dot = name.lastIndexOf('.');
    String type = TYPES.getOrDefault(dot < 0 ? "" : name.substring(dot + 1), "application/octet-stream");
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, method.equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
  }

  /** The file's bytes, or an empty array when there is none (no dashboard file is empty). */
  private static byte[] load(String name) {
    try (InputStream in = Routes.class.getClassLoader().getResourceAsStream(DASHBOARD + name)) {
      return in == null ? new byte[0] : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
