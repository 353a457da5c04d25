package dev.roster.agent;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers what Jetty itself rejects (a malformed request, a bad URI, an oversized header) in
 * the agent's JSON error form, never Jetty's HTML page with its exception text.
 */
final class JsonErrorHandler implements Request.Handler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = request.getAttribute(ErrorHandler.ERROR_STATUS) instanceof Integer s ? s : response.getStatus();
    if (status < 400) {
      status = 500;
    }
    String message = status >= 500 ? "internal error" : status == 413 ? "request too large" : "bad request";
    Http.error(response, callback, status, message, null);
    return true;
  }
}
