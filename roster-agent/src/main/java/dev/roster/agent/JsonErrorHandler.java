package dev.roster.agent;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers what Jetty itself rejects (a malformed request line, a bad URI) in the agent's
 * JSON error form, never Jetty's HTML page with its exception text.
 */
final class JsonErrorHandler implements Request.Handler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus() >= 400 ? response.getStatus() : 500;
    String message = status == 500 ? "internal error" : "bad request";
    Http.error(response, callback, status, message, null);
    return true;
  }
}
