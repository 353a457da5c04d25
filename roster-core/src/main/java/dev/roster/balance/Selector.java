package dev.roster.balance;

import dev.roster.ServiceInstance;
import org.jspecify.annotations.Nullable;

/**
 * Picks one instance of a service per request, from the current {@code UP} instances of a
 * {@link dev.roster.ServiceView}. Obtained from {@link dev.roster.ServiceView#selector}.
 *
 * <p>Thread-safe, lock-free, and allocation-free while the view does not change: the picker
 * is rebuilt once per change of the view (or of the set of ejected instances), not per
 * pick. Only {@link #acquire()} allocates, one small lease per call.
 *
 * <p>With an {@link OutlierPolicy}, callers report the outcome of each request with
 * {@link #reportSuccess} and {@link #reportFailure}; an instance that fails repeatedly is
 * ejected (not picked) for a back-off period. Without one, reports are ignored.
 */
public interface Selector {

  /**
   * The next instance, or {@code null} when no instance can be picked.
   *
   * @return the picked instance, or {@code null} when none can be picked
   */
  @Nullable ServiceInstance pick();

  /**
   * The instance for {@code key}, or {@code null} when no instance can be picked. With
   * {@link Strategies#rendezvous()} equal keys go to the same instance for as long as it
   * stays in the list; other strategies ignore the key.
   *
   * @param key the caller's key
   * @return the picked instance, or {@code null} when none can be picked
   */
  @Nullable ServiceInstance pick(long key);

  /**
   * The instance for a string key, such as a user or session id: {@link #pick(long)} with
   * the key's 64-bit hash (FNV-1a over its UTF-16 code units, then a 64-bit finalizer;
   * stable across releases and JVMs, so placements can be reproduced elsewhere).
   *
   * @param key the caller's key
   * @return the picked instance, or {@code null} when none can be picked
   */
  default @Nullable ServiceInstance pick(String key) {
    return pick(Hashing.hash(key));
  }

  /**
   * Picks an instance for one request and counts the request as outstanding on it until
   * the lease is closed; {@code null} when no instance can be picked. Strategies that
   * balance on outstanding requests ({@link Strategies#powerOfTwoChoices()}) need every
   * request to go through here; for the others it is {@link #pick()} plus a lease.
   *
   * @return a lease on the picked instance, or {@code null} when none can be picked
   */
  @Nullable Lease acquire();

  /**
   * Reports that a request to {@code instance} succeeded, which resets its count of
   * consecutive failures. Cheap; allocation-free. Ignored without an outlier policy.
   *
   * @param instance the instance the request went to
   */
  void reportSuccess(ServiceInstance instance);

  /**
   * Reports that a request to {@code instance} failed. After the policy's number of
   * consecutive failures the instance is ejected for a back-off period, unless that would
   * eject more than the policy's share of the instances. Ignored without an outlier policy.
   *
   * @param instance the instance the request went to
   */
  void reportFailure(ServiceInstance instance);
}
