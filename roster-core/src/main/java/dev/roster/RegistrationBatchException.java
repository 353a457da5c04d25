package dev.roster;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Roster#registerAll} made some of its registrations but not all. Nothing is undone:
 * {@link #registered()} holds the registrations that were made, which are live and maintain
 * themselves like any other (close them, or keep them and retry the rest), and {@link
 * #failures()} says, for each instance that was not registered, why.
 */
public final class RegistrationBatchException extends RosterException {
  private static final long serialVersionUID = 1L;
  /** How many failures the message spells out; the rest are counted. */
  private static final int SHOWN = 5;

  private final transient List<Registration> registered;
  private final transient Map<ServiceInstance, RosterException> failures;

  /**
   * Creates the exception.
   *
   * @param registered the registrations that were made, in the order they were asked for
   * @param failures each instance that was not registered, with why, in the order asked for
   */
  public RegistrationBatchException(List<Registration> registered, Map<ServiceInstance, RosterException> failures) {
    super(message(registered.size(), failures));
    this.registered = List.copyOf(registered);
    this.failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
  }

  private static String message(int made, Map<ServiceInstance, RosterException> failures) {
    StringBuilder b = new StringBuilder()
        .append(failures.size()).append(" of ").append(made + failures.size())
        .append(" instances could not be registered (").append(made)
        .append(made == 1 ? " was, and stays registered)" : " were, and stay registered)");
    int shown = 0;
    for (Map.Entry<ServiceInstance, RosterException> f : failures.entrySet()) {
      if (shown++ == SHOWN) {
        b.append("; and ").append(failures.size() - SHOWN).append(" more");
        break;
      }
      b.append(shown == 1 ? ": " : "; ").append(f.getKey().service()).append('/').append(f.getKey().id())
          .append(": ").append(f.getValue().getMessage());
    }
    return b.toString();
  }

  /**
   * The registrations that were made, in the order their instances were given.
   *
   * @return the registrations made, unmodifiable
   */
  public List<Registration> registered() {
    return registered;
  }

  /**
   * Each instance that was not registered, in the order given, with why: a {@link
   * RegistrationConflictException} when another live session owns its node, or a {@link
   * RosterException} when ZooKeeper did not accept it within the operation timeout.
   *
   * @return the failed instances with their failures, unmodifiable
   */
  public Map<ServiceInstance, RosterException> failures() {
    return failures;
  }
}
