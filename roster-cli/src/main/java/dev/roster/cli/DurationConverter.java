package dev.roster.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations the way people type them: {@code 500ms}, {@code 2s}, {@code 1.5s},
 * {@code 1m}, {@code 1h}, or ISO-8601 such as {@code PT2S}. A bare number is refused, because
 * nobody can tell whether it meant seconds or milliseconds.
 */
class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    String text = value.trim().toLowerCase(java.util.Locale.ROOT);
    Matcher m = SIMPLE.matcher(text);
    Duration duration;
    if (m.matches()) {
      double amount = Double.parseDouble(m.group(1));
      double millis = switch (m.group(2)) {
        case "ms" -> amount;
        case "s" -> amount * 1_000;
        case "m" -> amount * 60_000;
        default -> amount * 3_600_000;
      };
      if (millis > Integer.MAX_VALUE) {
        throw invalid(value);
      }
      duration = Duration.ofMillis(Math.round(millis));
    } else {
      try {
        duration = Duration.parse(value.trim());
      } catch (DateTimeParseException e) {
        throw invalid(value);
      }
    }
    if (duration.isNegative() || (duration.isZero() && !zeroAllowed())) {
      throw new TypeConversionException("'" + value + "' is not a positive duration");
    }
    return duration;
  }

  /** Whether 0 is a meaningful value of the option (a TTL), not a mistake (an interval). */
  boolean zeroAllowed() {
    return false;
  }

  /** The same, for options where 0 means "none" (a TTL of 0: ask again every time). */
  static final class OrZero extends DurationConverter {
    @Override
    boolean zeroAllowed() {
      return true;
    }
  }

  private static TypeConversionException invalid(String value) {
    return new TypeConversionException(
        "'" + value + "' is not a duration; expected a number with a unit, such as 500ms, 2s, 1m");
  }
}
