package dev.roster;

/**
 * A live registration of one instance, returned by {@link Roster#register}.
 *
 * <p>While it is open, Roster keeps the instance's ephemeral node in ZooKeeper: it is
 * recreated after a session expiry, restored if someone deletes it, and left untouched when
 * the connection merely blips. Closing it deregisters the instance.
 */
public interface Registration extends AutoCloseable {

  /** The instance as currently registered (the latest one given to {@link #update}). */
  ServiceInstance instance();

  /**
   * Replaces the registered attributes in place (one {@code setData}; watchers see an
   * update, never a removal). Blocks until ZooKeeper has the new data, or the operation
   * timeout passes.
   *
   * @param instance the new attributes; same service and id as this registration
   * @throws IllegalArgumentException if the service or id differ, or a field is invalid
   * @throws RosterException if ZooKeeper did not accept the update in time
   */
  void update(ServiceInstance instance);

  /** True until {@link #close()} is called. */
  boolean isOpen();

  /**
   * Deregisters: deletes the node if this session owns it and stops maintaining it.
   * Idempotent; never throws. If ZooKeeper is unreachable the node goes when the session ends.
   */
  @Override
  void close();
}
