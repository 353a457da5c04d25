package dev.roster.agent;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately plain HTTP/1.1 client over one kept-alive socket, for fuzzing: it sends the
 * method, target and headers exactly as given (java.net.http would refuse or rewrite most of
 * them), frames the body itself so that one request can never bleed into the next, and reads
 * each answer by its Content-Length or chunks. It reconnects when the agent closes.
 */
final class RawHttp implements AutoCloseable {
  /** One request as the fuzzer made it. Line breaks in any part are replaced, never sent. */
  record Request(String method, String target, List<Map.Entry<String, String>> headers, byte[] body) {
    String shown() {
      return method + " " + target + " " + headers + " body " + body.length + " bytes: "
          + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
    }
  }

  /** One answer: status, headers with lower-case names, and the body. */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final InetSocketAddress address;
  private final int readTimeoutMillis;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private int connections;

  RawHttp(InetSocketAddress address, int readTimeoutMillis) {
    this.address = address;
    this.readTimeoutMillis = readTimeoutMillis;
  }

  /** How many connections it has opened: fewer than requests means keep-alive works. */
  int connections() {
    return connections;
  }

  Response send(Request request) throws IOException {
    byte[] bytes = serialize(request);
    boolean fresh = socket == null;
    if (fresh) {
      connect();
    }
    Response response;
    try {
      out.write(bytes);
      out.flush();
      response = readFinal(request);
    } catch (IOException e) {
      if (fresh) {
        throw e;
      }
      // The agent closed a kept-alive connection after its last answer, which a server may do
      // at any time between requests: once more on a new connection, where it counts.
      close();
      connect();
      out.write(bytes);
      out.flush();
      response = readFinal(request);
    }
    if ("close".equalsIgnoreCase(response.headers().get("connection"))) {
      close();
    }
    return response;
  }

  private Response readFinal(Request request) throws IOException {
    Response response;
    do {
      response = read(request.method().equals("HEAD"));
    } while (response.status() >= 100 && response.status() < 200);
    return response;
  }

  private void connect() throws IOException {
    socket = new Socket();
    socket.connect(address, 5_000);
    socket.setSoTimeout(readTimeoutMillis);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    connections++;
  }

  private byte[] serialize(Request r) {
    StringBuilder head = new StringBuilder();
    head.append(oneLine(r.method())).append(' ').append(oneLine(r.target())).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(address.getHostString()).append(':').append(address.getPort()).append("\r\n");
    for (Map.Entry<String, String> h : r.headers()) {
      head.append(oneLine(h.getKey())).append(": ").append(oneLine(h.getValue())).append("\r\n");
    }
    if (r.body().length > 0 || r.method().equals("PUT") || r.method().equals("POST")) {
      head.append("Content-Length: ").append(r.body().length).append("\r\n");
    }
    head.append("\r\n");
    byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[h.length + r.body().length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(r.body(), 0, all, h.length, r.body().length);
    return all;
  }

  private static String oneLine(String s) {
    return s.replace('\r', ' ').replace('\n', ' ');
  }

  private Response read(boolean head) throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("connection closed before a status line");
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(); line != null && !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    if (head || status == 204 || status == 304 || (status >= 100 && status < 200)) {
      return new Response(status, headers, new byte[0]);
    }
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
          size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
        body.write(in.readNBytes(size));
        line();
      }
      for (String line = line(); line != null && !line.isEmpty(); line = line()) {
        // trailers
      }
      return new Response(status, headers, body.toByteArray());
    }
    String length = headers.get("content-length");
    if (length != null) {
      int n = Integer.parseInt(length);
      byte[] body = in.readNBytes(n);
      if (body.length < n) {
        throw new IOException("body cut at " + body.length + " of " + n + " bytes");
      }
      return new Response(status, headers, body);
    }
    byte[] body = in.readAllBytes();
    close();
    return new Response(status, headers, body);
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // nothing to do: the next request opens a new one
      }
      socket = null;
    }
  }
}
