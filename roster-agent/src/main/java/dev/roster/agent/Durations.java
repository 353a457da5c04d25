package dev.roster.agent;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as HTTP clients write them, Go style: {@code 15s}, {@code 500ms}, {@code 1m30s}. */
final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern WHOLE = Pattern.compile("(?:\\d{1,9}(?:ms|s|m|h))+");

  private Durations() {}

  /**
   * Parses {@code text}, which must lie in {@code [min, max]}.
   *
   * @throws HttpError a 400 naming {@code field} otherwise
   */
  static Duration parse(String field, String text, Duration min, Duration max) {
    if (!WHOLE.matcher(text).matches()) {
      throw new HttpError(400, field + " '" + text + "': expected a duration such as 15s, 500ms or 1m30s", field);
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      });
    }
    if (total.compareTo(min) < 0 || total.compareTo(max) > 0) {
      throw new HttpError(400, field + " '" + text + "': must be " + format(min) + " to " + format(max), field);
    }
    return total;
  }

  static String format(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.getSeconds();
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
