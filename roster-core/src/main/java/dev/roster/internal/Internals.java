package dev.roster.internal;

import dev.roster.Roster;
import java.util.function.Function;

/**
 * Reaches the implementation behind a {@link Roster}, for Roster's own modules and tests
 * (session-expiry injection needs the session's id and password). Not an API: this package
 * is not exported and may change at any time.
 */
public final class Internals {
  private static volatile Function<Roster, RosterCore> access;

  private Internals() {}

  /** Called once by {@link Roster}'s static initializer. */
  public static void setAccess(Function<Roster, RosterCore> accessor) {
    access = accessor;
  }

  /** The implementation behind {@code roster}. */
  public static RosterCore core(Roster roster) {
    if (access == null) {
      try {
        Class.forName(Roster.class.getName(), true, Roster.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    }
    return access.apply(roster);
  }
}
