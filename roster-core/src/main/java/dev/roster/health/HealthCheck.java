package dev.roster.health;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * One probe of whether an instance can serve, such as an HTTP GET of its health endpoint.
 * Run repeatedly by a health-checked registration ({@link dev.roster.Roster#register(
 * dev.roster.ServiceInstance, HealthCheck, HealthPolicy)}), as its {@link HealthPolicy} says.
 *
 * <p>Checks run on Roster's own check threads, never on a ZooKeeper thread, and one at a
 * time per registration. A check should give up by itself after the timeout it is given;
 * if it does not, Roster counts it as failed at the timeout and interrupts its thread. An
 * exception thrown by a check counts as a failure, with the exception as the reason.
 *
 * <p>There is deliberately no factory that runs a shell command: a registry that executes
 * commands is a remote-execution hole (Consul's script checks had to be turned off by
 * default for that reason). Wrap your own logic with {@link #of(Callable)} instead.
 */
@FunctionalInterface
public interface HealthCheck {

  /**
   * Probes once.
   *
   * @param timeout how long the probe may take; Roster stops waiting after it either way
   * @return whether the instance is healthy, and why
   */
  Result check(Duration timeout);

  /**
   * The outcome of one check.
   *
   * @param healthy true if the instance can serve
   * @param reason a short, human-readable explanation, such as {@code HTTP 503} or
   *     {@code connection refused}
   */
  record Result(boolean healthy, String reason) {
    /**
     * Checks that the reason is not null.
     *
     * @param reason a short, human-readable explanation
     * @param healthy true if the instance can serve
     */
    public Result {
      Objects.requireNonNull(reason, "reason");
    }

    /**
     * A passing result.
     *
     * @param reason why the check passed, such as {@code HTTP 200}
     * @return a result with {@code healthy} true
     */
    public static Result pass(String reason) {
      return new Result(true, reason);
    }

    /**
     * A failing result.
     *
     * @param reason why the check failed, such as {@code connection refused}
     * @return a result with {@code healthy} false
     */
    public static Result fail(String reason) {
      return new Result(false, reason);
    }
  }

  /**
   * An HTTP GET of {@code uri} that passes on any 2xx status. Redirects are not followed
   * (a 3xx fails: a health endpoint that redirects to a login page is not healthy), HTTP/1.1
   * is used, and the request times out after the check's timeout.
   *
   * @param uri the health endpoint, such as {@code http://10.0.0.5:8080/health}
   * @return the check
   * @throws IllegalArgumentException if {@code uri} is not an absolute http or https URI with a host
   */
  static HealthCheck http(URI uri) {
    return new HttpCheck(uri, null);
  }

  /**
   * An HTTP GET of {@code uri} that passes on a 2xx status whose body (read as UTF-8, up to
   * the first 64 KiB) contains {@code bodyContains}.
   *
   * @param uri the health endpoint
   * @param bodyContains the text a passing response body must contain
   * @return the check
   * @throws IllegalArgumentException if {@code uri} is not an absolute http or https URI
   *     with a host, or {@code bodyContains} is empty
   */
  static HealthCheck http(URI uri, String bodyContains) {
    Objects.requireNonNull(bodyContains, "body match");
    if (bodyContains.isEmpty()) {
      throw new IllegalArgumentException("body match '': must not be empty; use http(uri) to accept any body");
    }
    return new HttpCheck(uri, bodyContains);
  }

  /**
   * A TCP connect to {@code host:port} that passes once the connection is made (and closes
   * it at once).
   *
   * @param host the host name or IP address to connect to
   * @param port the port to connect to
   * @return the check
   * @throws IllegalArgumentException if the host is empty or the port is not 1–65535
   */
  static HealthCheck tcp(String host, int port) {
    return new TcpCheck(host, port);
  }

  /**
   * A check of your own: passes when {@code check} returns {@code true}; fails when it
   * returns {@code false} or {@code null}, or throws. It is interrupted if it runs past the
   * timeout, so a check that blocks should respond to interrupts.
   *
   * @param check the probe; {@code true} means healthy
   * @return the check
   */
  static HealthCheck of(Callable<Boolean> check) {
    return new CallableCheck(Objects.requireNonNull(check, "check"));
  }
}
