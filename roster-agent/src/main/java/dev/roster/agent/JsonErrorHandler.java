package dev.roster.agent;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
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
    String message = switch (status) {
      case 413 -> "request too large";
      case 414 -> "URI too long: at most " + Agent.MAX_REQUEST_HEAD + " bytes with the headers";
      case 431 -> "request headers too large: at most " + Agent.MAX_REQUEST_HEAD + " bytes";
      default -> status >= 500 ? "internal error" : "bad request";
    };
    // Jetty calls this for a request it could not take, and closes the connection after the
    // answer: said in the answer, so that a client does not send its next request on it.
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    if (HttpMethod.HEAD.is(request.getMethod())) {
      // A HEAD answer has no body; one sent anyway would be read as the start of the next answer.
      response.setStatus(status);
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
      callback.succeeded();
      return true;
    }
    Http.error(response, callback, status, message, null);
    return true;
  }
}
