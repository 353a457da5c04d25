package dev.roster.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/** Writing JSON answers: one mapper, and the error shape {@code {"error","field"}}. */
final class Http {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String JSON = "application/json";

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
