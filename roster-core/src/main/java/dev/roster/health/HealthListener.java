package dev.roster.health;

/**
 * Told when a {@link HealthCheckedRegistration}'s checks change its verdict, and optionally of
 * every check; added with {@link HealthCheckedRegistration#addListener}.
 *
 * <p>Called on the Roster's event path (its event thread, or the executor given to {@code
 * Roster.Builder.eventExecutor}), one event at a time, in order, after the state change it
 * reports; see {@link dev.roster.RosterEventListener} for what a listener may do there.
 */
@FunctionalInterface
public interface HealthListener {

  /**
   * The verdict changed: {@code healthy} after {@code rise} passes in a row (the instance is
   * now registered as UP), or not after {@code fall} failures in a row (it is draining, and
   * is deregistered after the drain grace unless it recovers first). Not called for {@code
   * drain()} or {@code close()}, which stop the checks.
   *
   * @param registration the registration whose verdict changed
   * @param healthy the new verdict: true if the instance is now up
   * @param result the check that decided it
   */
  void onHealthChanged(HealthCheckedRegistration registration, boolean healthy, HealthCheck.Result result);

  /**
   * One check finished, whether or not it changed the verdict.
   *
   * @param registration the registration that was checked
   * @param result the check's result
   */
  default void onCheck(HealthCheckedRegistration registration, HealthCheck.Result result) {}
}
