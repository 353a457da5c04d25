package dev.roster.grpc;

import dev.roster.internal.Validation;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A parsed {@code roster:} target: {@code roster:///service}, {@code roster:///base/path/service}
 * or {@code roster://host:port[,host:port...]/[base/path/]service}.
 *
 * @param connectString the target's authority, or null to use the provider's
 * @param basePath the path before the service, or null to use the provider's
 * @param service the service to watch
 */
record RosterTarget(@Nullable String connectString, @Nullable String basePath, String service) {
  static final String FORMS =
      "roster:///service, roster:///base/path/service or roster://host:port[,host:port...]/service";

  /**
   * Parses a target, as gRPC's DNS resolver does: a malformed one is a programming error,
   * reported when the channel is built rather than through the listener.
   *
   * @throws IllegalArgumentException naming the target and the forms expected
   */
  static RosterTarget parse(URI target) {
    if (target.isOpaque() || target.getPath() == null || target.getPath().length() <= 1) {
      throw invalid(target, "has no service in its path");
    }
    if (target.getRawQuery() != null || target.getRawFragment() != null) {
      throw invalid(target, "has a query or fragment, which a roster target does not use");
    }
    String authority = target.getRawAuthority();
    if (authority != null && (authority.isBlank() || authority.indexOf('@') >= 0)) {
      throw invalid(target, "has an authority that is not host:port[,host:port...]");
    }
    // Split before decoding, so that an escaped '/' cannot smuggle in another path level.
    String[] segments = target.getRawPath().substring(1).split("/", -1);
    for (int i = 0; i < segments.length - 1; i++) {
      if (segments[i].isEmpty()) {
        throw invalid(target, "has an empty path component");
      }
    }
    StringBuilder basePath = new StringBuilder();
    String service;
    try {
      for (int i = 0; i < segments.length - 1; i++) {
        basePath.append(Validation.basePath("/" + decode(segments[i])));
      }
      service = Validation.readableName("service name", decode(segments[segments.length - 1]));
    } catch (IllegalArgumentException e) {
      throw invalid(target, "is not valid: " + e.getMessage());
    }
    return new RosterTarget(authority == null || authority.isEmpty() ? null : authority,
        basePath.length() == 0 ? null : basePath.toString(), service);
  }

  private static String decode(String rawSegment) {
    // URLDecoder reads '+' as a space, which a URI path does not mean.
    return URLDecoder.decode(rawSegment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static IllegalArgumentException invalid(URI target, String why) {
    return new IllegalArgumentException("target " + Validation.quote(target.toString()) + " " + why
        + "; expected " + FORMS);
  }
}
