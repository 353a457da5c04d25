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

  /**
   * The next instance, or {@code null} if the list is empty.
   *
   * @return the picked instance, or {@code null} if the list is empty
   */
  @Nullable ServiceInstance pick();

  /**
   * The instance for a caller's key, or {@code null} if the list is empty. Strategies that
   * hash keys ({@link Strategies#rendezvous()}) map equal keys to the same instance; the
   * default ignores the key and picks as {@link #pick()} does.
   *
   * @param key the caller's key
   * @return the picked instance, or {@code null} if the list is empty
   */
  default @Nullable ServiceInstance pick(long key) {
    return pick();
  }

  /**
   * Picks an instance and counts one outstanding request on it until the returned lease is
   * closed, or returns {@code null} if the list is empty. The default counts nothing: only
   * strategies that balance on outstanding requests override it. Allocates the lease.
   *
   * @return a lease on the picked instance, or {@code null} if the list is empty
   */
  default @Nullable Lease acquire() {
    ServiceInstance instance = pick();
    return instance == null ? null : new Leases.Untracked(instance);
  }
}
