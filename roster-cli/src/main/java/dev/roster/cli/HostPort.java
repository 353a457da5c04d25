package dev.roster.cli;

/**
 * A {@code HOST:PORT} option's value ({@code --http}, {@code --dns}): a host (an IPv6 literal in
 * brackets) and a port, 0 for any free one.
 */
record HostPort(String host, int port) {
  /**
   * Reads {@code text}.
   *
   * @throws IllegalArgumentException in {@code --http}'s words; other options reword it
   */
  static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? "" : text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    try {
      port = colon < 0 ? -1 : Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      // Reported below.
    }
    if (host.isEmpty() || port < 0 || port > 65535) {
      throw new IllegalArgumentException("--http '" + text
          + "': expected HOST:PORT such as 127.0.0.1:8700 (port 0 picks a free one)");
    }
    return new HostPort(host, port);
  }
}
