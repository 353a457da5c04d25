package dev.roster.spring.boot;

import dev.roster.Roster;
import dev.roster.RosterException;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns the library's {@link IllegalArgumentException}s into Boot's {@link
 * InvalidConfigurationPropertyValueException}, whose failure analysis names the property, the
 * value and where it came from, with the library's own message as the reason.
 */
final class PropertyCheck {
  private PropertyCheck() {}

  static void apply(String property, @Nullable Object value, Runnable setter) {
    get(property, value, () -> {
      setter.run();
      return null;
    });
  }

  static <T> T get(String property, @Nullable Object value, Supplier<T> supplier) {
    try {
      return supplier.get();
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw invalid(property, value, e.getMessage());
    }
  }

  static InvalidConfigurationPropertyValueException invalid(String property, @Nullable Object value, String reason) {
    return new InvalidConfigurationPropertyValueException(property, value, reason);
  }

  static void positive(String property, @Nullable Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw invalid(property, value, "must be positive");
    }
  }

  static void notNegative(String property, @Nullable Duration value) {
    if (value == null || value.isNegative()) {
      throw invalid(property, value, "must not be negative");
    }
  }

  /**
   * Builds the Roster; a policy that needs an identity it lacks is the acl policy's fault,
   * a connection failure is reported as it is (its message names the connect string).
   */
  static Roster build(RosterProperties properties, Roster.Builder builder) {
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw invalid("roster.acl.policy", properties.getAcl().getPolicy(), e.getMessage());
    } catch (RosterException e) {
      // Most often a wrong host or port; the property is what the operator has to look at.
      throw invalid("roster.connect-string", properties.getConnectString(), e.getMessage());
    }
  }
}
