package dev.roster.agent;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Cross-origin access, for the origins named and no other: by default none, so a page on
 * another site cannot read the agent's answers from a visitor's browser. A named origin gets
 * {@code Access-Control-Allow-Origin} with its own name (never {@code *}) and its preflights
 * answered; any other origin gets no CORS header at all.
 */
final class Cors {
  static final Cors NONE = new Cors(Set.of());

  private static final String METHODS = "GET, HEAD, PUT, DELETE";
  private static final String HEADERS = "Authorization, Content-Type, Last-Event-ID";

  private final Set<String> origins;

  private Cors(Set<String> origins) {
    this.origins = origins;
  }

  static Cors of(Set<String> origins) {
    return origins.isEmpty() ? NONE : new Cors(Set.copyOf(origins));
  }

  /**
   * An origin as a browser sends it, {@code scheme://host[:port]} in lower case.
   *
   * @throws IllegalArgumentException for anything else, {@code *} included
   */
  static String origin(String text) {
    String shown = "cors origin '" + text + "'";
    if (text.equals("*") || text.equals("null")) {
      throw new IllegalArgumentException(shown + ": name each origin, such as https://ops.example.com;"
          + " the agent never allows every origin");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(shown + ": expected scheme://host[:port], such as https://ops.example.com");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawUserInfo() != null
        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(shown + ": expected scheme://host[:port], such as https://ops.example.com,"
          + " with no path");
    }
    return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  /**
   * Answers a preflight from a named origin, and returns true if it did. Anything else,
   * preflights from other origins included, goes on as an ordinary request.
   */
  boolean preflight(Request request, Response response, Callback callback) {
    String origin = allowed(request);
    if (origin == null || !request.getMethod().equals("OPTIONS")
        || request.getHeaders().get(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD) == null) {
      return false;
    }
    response.setStatus(204);
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    response.getHeaders().put(HttpHeader.VARY, "Origin");
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, HEADERS);
    response.getHeaders().put(HttpHeader.ACCESS_CONTROL_MAX_AGE, "600");
    callback.succeeded();
    return true;
  }

  /** Adds the CORS headers of an actual request from a named origin; nothing otherwise. */
  void decorate(Request request, Response response) {
    String origin = allowed(request);
    if (origin != null) {
      response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
      response.getHeaders().put(HttpHeader.VARY, "Origin");
      response.getHeaders().put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, "X-Roster-Index, WWW-Authenticate");
    }
  }

  private @Nullable String allowed(Request request) {
    if (origins.isEmpty()) {
      return null;
    }
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin == null) {
      return null;
    }
    String normal;
    try {
      normal = origin(origin.trim());
    } catch (IllegalArgumentException e) {
      return null;
    }
    return origins.contains(normal) ? normal : null;
  }
}
