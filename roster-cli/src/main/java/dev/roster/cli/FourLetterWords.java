package dev.roster.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Asks each server of a connect string what it is, with ZooKeeper's {@code srvr} four-letter
 * word over a plain socket: the only way to learn an ensemble's roles without its admin
 * server, and answered only where {@code 4lw.commands.whitelist} allows it (ZooKeeper's default
 * allows {@code srvr} alone).
 */
final class FourLetterWords {
  /** The most a member's answer may be; {@code srvr} answers in a few hundred bytes. */
  private static final int MAX_ANSWER = 64 * 1024;

  private FourLetterWords() {}

  /** What one server said, or why it said nothing. */
  record Member(String address, String mode, Map<String, String> fields, String problem) {
    /** {@code leader}, {@code follower}, {@code standalone}, or how it failed, for the table. */
    String modeOrProblem() {
      return mode != null ? mode : problem;
    }

    String field(String name) {
      return fields.get(name);
    }
  }

  /**
   * The servers of a connect string as {@code host:port}, in order: a chroot suffix dropped,
   * the port 2181 where none is given, IPv6 in brackets.
   */
  static List<String> servers(String connectString) {
    String hosts = connectString.trim();
    int chroot = hosts.indexOf('/');
    if (chroot >= 0) {
      hosts = hosts.substring(0, chroot);
    }
    List<String> servers = new ArrayList<>();
    for (String part : hosts.split(",")) {
      String server = part.trim();
      if (server.isEmpty()) {
        continue;
      }
      boolean bracketed = server.startsWith("[");
      boolean hasPort = bracketed ? server.contains("]:") : server.indexOf(':') >= 0 && server.indexOf(':') == server.lastIndexOf(':');
      if (!hasPort) {
        server = (!bracketed && server.indexOf(':') >= 0 ? "[" + server + "]" : server) + ":2181";
      }
      servers.add(server);
    }
    return servers;
  }

  /** Sends {@code srvr} to one server and reads its answer, each step bounded by {@code timeout}. */
  static Member probe(String server, Duration timeout) {
    int colon = server.lastIndexOf(':');
    String host = server.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(server.substring(colon + 1));
    } catch (NumberFormatException e) {
      return new Member(server, null, Map.of(), "not a host:port");
    }
    int millis = (int) Math.max(1, timeout.toMillis());
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      OutputStream out = socket.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      socket.shutdownOutput();
      return parse(server, readAll(socket.getInputStream()));
    } catch (ConnectException e) {
      return new Member(server, null, Map.of(), "down (connection refused)");
    } catch (SocketTimeoutException e) {
      return new Member(server, null, Map.of(), "no answer within " + Text.duration(timeout));
    } catch (IOException | IllegalArgumentException e) {
      return new Member(server, null, Map.of(), "unreachable (" + e.getMessage() + ")");
    }
  }

  /** Reads a {@code srvr} answer: {@code Key: value} lines, or one of ZooKeeper's refusals. */
  static Member parse(String server, String answer) {
    String text = answer.trim();
    if (text.contains("not in the whitelist")) {
      return new Member(server, null, Map.of(), "unknown (srvr is not in its 4lw.commands.whitelist)");
    }
    if (text.contains("not currently serving requests")) {
      return new Member(server, null, Map.of(), "not serving (no quorum, or still starting)");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    String mode = fields.get("mode");
    if (mode == null) {
      return new Member(server, null, Map.copyOf(fields),
          text.isEmpty() ? "unknown (no answer to srvr; four-letter words may be disabled)" : "unknown (an answer without a mode)");
    }
    return new Member(server, mode, Map.copyOf(fields), null);
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    int n;
    while ((n = in.read(buffer)) >= 0 && bytes.size() < MAX_ANSWER) {
      bytes.write(buffer, 0, n);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
