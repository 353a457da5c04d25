package dev.roster.balance;

import dev.roster.ServiceInstance;

/**
 * One outstanding request to a picked instance, returned by {@link Selector#acquire()}.
 * Close it when the request is done, so strategies that balance on outstanding requests
 * ({@link Strategies#powerOfTwoChoices()}) know the instance is free again.
 *
 * <pre>{@code
 * try (Lease lease = selector.acquire()) {
 *   call(lease.instance());
 * }
 * }</pre>
 *
 * <p>Thread-safe; may be closed from a thread other than the one that acquired it.
 */
public interface Lease extends AutoCloseable {

  /**
   * The instance this request goes to.
   *
   * @return the picked instance
   */
  ServiceInstance instance();

  /** Ends the request. Idempotent: only the first call counts; never throws. */
  @Override
  void close();
}
