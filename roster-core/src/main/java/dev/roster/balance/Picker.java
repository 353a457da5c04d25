package dev.roster.balance;

import dev.roster.ServiceInstance;
import org.jspecify.annotations.Nullable;

/**
 * Picks from one fixed list of instances. Built by a {@link Strategy} each time the list
 * changes, then called concurrently from many threads: it must be thread-safe, lock-free
 * and should not allocate.
 */
@FunctionalInterface
public interface Picker {

  /** The next instance, or {@code null} if the list is empty. */
  @Nullable ServiceInstance pick();
}
