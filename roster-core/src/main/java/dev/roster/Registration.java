package dev.roster;

import java.time.Duration;

/**
 * A live registration of one instance, returned by {@link Roster#register}.
 *
 * <p>While it is open, Roster keeps the instance's ephemeral node in ZooKeeper: it is
 * recreated after a session expiry, restored if someone deletes it, and left untouched when
 * the connection merely blips. Closing it deregisters the instance.
 */
public interface Registration extends AutoCloseable {

  /**
   * The instance as currently registered (the latest one given to {@link #update}).
   *
   * @return the registered instance
   */
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

  /**
   * Marks the instance {@link ServiceInstance.Status#DRAINING DRAINING}: an
   * {@link #update} of the node, so watchers see an update, not a removal. Selectors stop
   * picking it, Spring Cloud Zookeeper's {@code instance_status} says {@code DRAINING}, and
   * a codec that writes Curator's {@code enabled} flag writes false. The instance stays
   * registered (and is restored as DRAINING after a session expiry) until it is closed;
   * {@link #update} with an UP instance undoes it.
   *
   * @throws IllegalStateException if the registration is closed
   * @throws RosterException if ZooKeeper did not accept the update in time
   */
  void drain();

  /**
   * Leaves gracefully: {@link #drain()}, wait {@code grace} for callers to notice and for
   * requests in flight to finish, then {@link #close()}. Blocks for about the grace plus two
   * operation timeouts at most. Never throws once the argument is accepted: if the drain
   * fails (ZooKeeper unreachable) it is logged and the instance is still deregistered after
   * the grace; if the thread is interrupted it deregisters at once and keeps the interrupt
   * flag. Idempotent, like {@link #close()}.
   *
   * @param grace how long the instance stays registered as DRAINING; zero deregisters at
   *     once after the drain
   * @throws IllegalArgumentException if {@code grace} is negative
   */
  void close(Duration grace);

  /**
   * True until {@link #close()} is called.
   *
   * @return whether the registration is still open
   */
  boolean isOpen();

  /**
   * True when the node is known to exist on the current, trusted session: it was created or
   * confirmed on this session, the connection is up, and nothing has cast doubt on the session
   * since. False while disconnected, while a new session re-creates the node, and right after
   * this process was paused (a long GC, SIGSTOP) until a round trip to ZooKeeper confirms the
   * session still lives; a frozen process never claims a registration its expired session lost.
   *
   * @return whether the node is known to exist on the current, trusted session
   */
  boolean isRegistered();

  /**
   * Deregisters: deletes the node if this session owns it and stops maintaining it.
   * Idempotent; never throws. If ZooKeeper is unreachable the node goes when the session ends.
   */
  @Override
  void close();
}
