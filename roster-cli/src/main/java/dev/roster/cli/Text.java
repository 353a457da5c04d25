package dev.roster.cli;

import dev.roster.ServiceInstance;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** How the commands write instances, times and durations for people. */
final class Text {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private Text() {}

  /** The local wall-clock time, {@code 14:02:11.123}. */
  static String now() {
    return LocalTime.now().format(CLOCK);
  }

  /** {@code 2s}, {@code 1500ms}, {@code 1m}: the way the options take it. */
  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1_000 == 0 ? ms / 1_000 + "s" : ms + "ms";
  }

  /** A ZooKeeper session id as ZooKeeper's own tools print it. */
  static String session(long sessionId) {
    return "0x" + Long.toHexString(sessionId);
  }

  /** {@code 1 instance}, {@code 3 instances}. */
  static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** The metadata as {@code k=v,k2=v2}, or {@code -} when there is none. */
  static String metadata(Map<String, String> metadata) {
    if (metadata.isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder();
    metadata.forEach((k, v) -> out.append(out.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return out.toString();
  }

  /**
   * {@code p1 127.0.0.1:8081}, followed by whatever differs from the defaults
   * ({@code zone=...}, {@code weight=...}, {@code status=...}, metadata).
   */
  static String instance(ServiceInstance i) {
    StringBuilder out = new StringBuilder(i.id()).append(' ').append(i.hostPort());
    if (i.sslPort() != 0) {
      out.append(" ssl=").append(i.sslPort());
    }
    if (i.zone() != null) {
      out.append(" zone=").append(i.zone());
    }
    if (i.weight() != ServiceInstance.DEFAULT_WEIGHT) {
      out.append(" weight=").append(i.weight());
    }
    if (i.status() != ServiceInstance.Status.UP) {
      out.append(" status=").append(i.status());
    }
    i.metadata().forEach((k, v) -> out.append(' ').append(k).append('=').append(v));
    return out.toString();
  }

  /** What changed between two versions of one instance: {@code weight 100->50, status UP->DRAINING}. */
  static String changes(ServiceInstance before, ServiceInstance after) {
    List<String> parts = new ArrayList<>();
    diff(parts, "address", before.hostPort(), after.hostPort());
    diff(parts, "ssl", before.sslPort(), after.sslPort());
    diff(parts, "zone", before.zone(), after.zone());
    diff(parts, "weight", before.weight(), after.weight());
    diff(parts, "status", before.status(), after.status());
    diff(parts, "metadata", metadata(before.metadata()), metadata(after.metadata()));
    return parts.isEmpty() ? "re-registered" : String.join(", ", parts);
  }

  private static void diff(List<String> parts, String field, Object before, Object after) {
    if (!Objects.equals(before, after)) {
      parts.add(field + " " + (before == null ? "-" : before) + "->" + (after == null ? "-" : after));
    }
  }
}
