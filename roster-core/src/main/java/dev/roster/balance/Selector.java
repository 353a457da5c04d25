package dev.roster.balance;

import dev.roster.ServiceInstance;
import org.jspecify.annotations.Nullable;

/**
 * Picks one instance of a service per request, from the current {@code UP} instances of a
 * {@link dev.roster.ServiceView}. Obtained from {@link dev.roster.ServiceView#selector}.
 *
 * <p>Thread-safe, lock-free, and allocation-free while the view does not change: the picker
 * is rebuilt once per change of the view, not per pick.
 */
public interface Selector {

  /** The next instance, or {@code null} when no instance is up. */
  @Nullable ServiceInstance pick();
}
