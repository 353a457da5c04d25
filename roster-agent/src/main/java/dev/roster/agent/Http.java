package dev.roster.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/** Writing JSON answers: one mapper, and the error shape {@code {"error","field"}}. */
final class Http {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String JSON = "application/json";
  /**
   * A refused request's body up to this size is read to its end before the answer. A server
   * that answers and closes while the client is still sending makes the client's kernel see a
   * reset, which can destroy the answer before the client reads it; read to the end, the
   * answer arrives and the connection stays usable (Tomcat's "swallow" does the same). Reading
   * is bounded in time by the request timeout too.
   */
  static final int MAX_DRAIN = 1024 * 1024;

  private Http() {}

  static void json(Response response, Callback callback, int status, Object body) {
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      // Only the agent's own trees and maps are written, which always serialize.
      throw new IllegalStateException(e);
    }
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /**
   * Reads and drops what is left of the request's body, up to {@link #MAX_DRAIN} bytes.
   *
   * @return true if the body ended within them (or there was none), so the connection can carry
   *     another request; false if the answer must close it
   */
  static boolean drain(Request request) {
    if (request.getLength() > MAX_DRAIN) {
      return false;
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      return drained(in, MAX_DRAIN);
    } catch (IOException e) {
      return false;
    }
  }

  /** Reads and drops {@code in} up to {@code limit} bytes; true if it ended within them. */
  static boolean drained(InputStream in, long limit) throws IOException {
    byte[] sink = new byte[8192];
    long total = 0;
    for (int n; (n = in.read(sink)) >= 0; ) {
      total += n;
      if (total > limit) {
        return false;
      }
    }
    return true;
  }

  /** An error answer; {@code field} is the library's word for the field at fault, if any. */
  static void error(Response response, Callback callback, int status, String message, @Nullable String field) {
    error(response, callback, status, message, field, false);
  }

  /**
   * An error answer that, if {@code closes}, also closes the connection: part of the request was
   * never read, so the connection cannot carry another one.
   */
  static void error(Response response, Callback callback, int status, String message, @Nullable String field,
      boolean closes) {
    if (closes) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    ObjectNode body = MAPPER.createObjectNode();
    body.put("error", message);
    if (field != null) {
      body.put("field", field);
    } else {
      body.putNull("field");
    }
    json(response, callback, status, body);
  }
}
