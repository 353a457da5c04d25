package dev.roster.health;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** {@link HealthCheck#http}: GET, 2xx, optionally a substring of the body. */
final class HttpCheck implements HealthCheck {
  private static final int MAX_BODY = 64 * 1024;

  private final URI uri;
  private final @Nullable String bodyContains;
  /** One client per check, so its connection is kept alive between probes. */
  private final HttpClient client;

  HttpCheck(URI uri, @Nullable String bodyContains) {
    Objects.requireNonNull(uri, "health check URI");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "health check URI '" + uri + "': must be an absolute http or https URI with a host");
    }
    this.uri = uri;
    this.bodyContains = bodyContains;
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  @Override
  public Result check(Duration timeout) {
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(timeout)
        .header("User-Agent", "roster-health-check")
        .GET()
        .build();
    try {
      if (bodyContains == null) {
        HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
        return byStatus(response.statusCode());
      }
      HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      String body;
      try (InputStream in = response.body()) {
        body = new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
      }
      Result status = byStatus(response.statusCode());
      if (!status.healthy()) {
        return status;
      }
      return body.contains(bodyContains)
          ? Result.pass("HTTP " + response.statusCode() + ", body contains '" + bodyContains + "'")
          : Result.fail("HTTP " + response.statusCode() + ", body does not contain '" + bodyContains + "'");
    } catch (HttpTimeoutException e) {
      return Result.fail("GET " + uri + " timed out after " + timeout.toMillis() + " ms");
    } catch (ConnectException e) {
      return Result.fail("GET " + uri + ": connection refused");
    } catch (IOException e) {
      return Result.fail("GET " + uri + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.fail("GET " + uri + ": interrupted");
    }
  }

  private static Result byStatus(int status) {
    return status >= 200 && status < 300 ? Result.pass("HTTP " + status) : Result.fail("HTTP " + status);
  }

  @Override
  public String toString() {
    return "HealthCheck.http(" + uri + (bodyContains != null ? ", '" + bodyContains + "'" : "") + ")";
  }
}
