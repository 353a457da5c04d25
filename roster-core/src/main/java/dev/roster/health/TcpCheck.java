package dev.roster.health;

import dev.roster.internal.Validation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** {@link HealthCheck#tcp}: a TCP connect within the timeout. */
final class TcpCheck implements HealthCheck {
  private final String host;
  private final int port;

  TcpCheck(String host, int port) {
    java.util.Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException(
          "host " + Validation.quote(host) + ": must not be empty; expected a host name or IP address");
    }
    this.host = host;
    this.port = Validation.port("port", port);
  }

  @Override
  public Result check(Duration timeout) {
    // Resolved per probe, so a changed DNS record is followed.
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      return Result.fail("connect to " + host + ":" + port + ": unknown host");
    }
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    try (Socket socket = new Socket()) {
      socket.connect(address, millis);
      return Result.pass("connected to " + host + ":" + port);
    } catch (SocketTimeoutException e) {
      return Result.fail("connect to " + host + ":" + port + " timed out after " + millis + " ms");
    } catch (IOException e) {
      return Result.fail("connect to " + host + ":" + port + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "HealthCheck.tcp(" + host + ", " + port + ")";
  }
}
