package dev.roster.health;

import dev.roster.Registration;
import dev.roster.Subscription;
import org.jspecify.annotations.Nullable;

/**
 * A registration that is in the registry only while its {@link HealthCheck} passes; returned
 * by {@link dev.roster.Roster#register(dev.roster.ServiceInstance, HealthCheck, HealthPolicy)}.
 *
 * <p>The life of the instance, with the policy's {@code rise} and {@code fall}:
 *
 * <ul>
 *   <li>It starts unregistered, as Nerve and Consul's "critical until passing" do: callers
 *       never see an instance that has not yet shown it can serve. After {@code rise}
 *       passing checks in a row it is registered, UP.
 *   <li>After {@code fall} failing checks in a row it is drained first (updated to
 *       DRAINING, so selectors stop picking it while watchers still see it), and deregistered
 *       after the policy's {@link HealthPolicy#drainGrace() drain grace}. If it passes
 *       {@code rise} checks before the grace is over, it goes back to UP without ever
 *       leaving.
 *   <li>Once deregistered it comes back after {@code rise} passing checks, as at the start.
 * </ul>
 *
 * <p>The {@link Registration} methods keep their meaning: {@link #update} changes the
 * attributes (written at once if registered, used at the next registration otherwise);
 * {@link #drain()} stops the checks and keeps the instance DRAINING (or unregistered) until
 * it is closed; {@link #close()} stops the checks and deregisters. While it is registered,
 * the node is maintained like any registration's: restored after a session expiry and when
 * deleted from outside.
 */
public interface HealthCheckedRegistration extends Registration {

  /**
   * True while the checks say the instance is healthy, which is when it is registered as
   * UP. False before {@code rise} checks have passed, from {@code fall} failures on, and
   * after {@link #drain()} or {@link #close()}.
   *
   * @return whether the instance is registered as UP on its checks' word
   */
  boolean isHealthy();

  /**
   * The result of the latest check, or {@code null} before the first one finished.
   *
   * @return the latest result, or {@code null} before the first check finished
   */
  HealthCheck.@Nullable Result lastResult();

  /**
   * Adds a listener told of every change of verdict (and of every check, if it wants), so
   * that nobody needs to poll {@link #isHealthy()}.
   *
   * @param listener the listener to add
   * @return a handle whose {@code close()} removes the listener
   */
  Subscription addListener(HealthListener listener);
}
