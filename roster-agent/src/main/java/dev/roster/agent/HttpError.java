package dev.roster.agent;

import org.jspecify.annotations.Nullable;

/** A request the agent refuses: thrown by a route, answered by {@link Routes} as JSON. */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final @Nullable String field;

  HttpError(int status, String message, @Nullable String field) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  /** A 400 for the library's own validation message, with its field word. */
  static HttpError invalid(IllegalArgumentException e) {
    String message = e.getMessage() == null ? "invalid value" : e.getMessage();
    return new HttpError(400, message, FieldWords.of(message));
  }
}
