package dev.roster.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * ZooKeeper's four-letter commands ({@code srvr}, {@code ruok}, ...) over a plain socket on
 * 127.0.0.1, each bounded in time, so that asking a frozen or dying server never hangs.
 */
final class FourLetterWords {
  /** The answer of a server that runs but is not part of a working quorum. */
  static final String NOT_SERVING = "This ZooKeeper instance is not currently serving requests";

  /** How long srvr may take, connecting and reading; a frozen member takes all of it. */
  static final Duration SRVR_TIMEOUT = Duration.ofMillis(1_500);

  /** A {@code srvr} answer is a few hundred bytes; anything much longer is not one. */
  private static final int MAX_ANSWER_BYTES = 64 * 1024;

  private FourLetterWords() {}

  /**
   * Sends a four-letter command and returns the whole answer.
   *
   * @param port the server's client port on 127.0.0.1
   * @param command four letters, such as {@code "srvr"}
   * @param timeout for connecting and reading together
   * @return the answer, or empty if the server refused the connection, closed it without an
   *     answer, or did not answer in time
   */
  static Optional<String> ask(int port, String command, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(
          new InetSocketAddress(Loopback.inetAddress(), port),
          remainingMillis(deadline));
      socket.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[1024];
      while (answer.size() < MAX_ANSWER_BYTES) {
        // Each read waits at most until the overall deadline.
        socket.setSoTimeout(remainingMillis(deadline));
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        answer.write(buffer, 0, n);
      }
      String text = answer.toString(StandardCharsets.UTF_8);
      return text.isEmpty() ? Optional.empty() : Optional.of(text);
    } catch (IOException e) {
      // Refused, reset or timed out: in every case the server did not answer.
      return Optional.empty();
    }
  }

  /**
   * Asks {@code srvr}, bounded by {@link #SRVR_TIMEOUT}.
   *
   * @return the answer, or empty as {@link #ask} says
   */
  static Optional<String> srvr(int port) {
    return ask(port, "srvr", SRVR_TIMEOUT);
  }

  /**
   * Returns the {@code Mode:} of a {@code srvr} answer: {@code "leader"}, {@code "follower"},
   * {@code "observer"} or {@code "standalone"}.
   *
   * @param srvr the answer
   * @return the mode, or empty if the answer has none (the server is not serving)
   */
  static Optional<String> mode(String srvr) {
    for (String line : srvr.split("\n")) {
      if (line.startsWith("Mode:")) {
        return Optional.of(line.substring("Mode:".length()).trim());
      }
    }
    return Optional.empty();
  }

  /** At least 1 ms: a timeout of 0 would mean "wait forever" to a socket. */
  private static int remainingMillis(long deadline) throws IOException {
    long millis = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
    if (millis < 1) {
      throw new SocketTimeoutException("four-letter command timed out");
    }
    return (int) Math.min(Integer.MAX_VALUE, millis);
  }
}
