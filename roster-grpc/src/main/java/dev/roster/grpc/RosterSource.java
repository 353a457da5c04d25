package dev.roster.grpc;

import dev.roster.Roster;

/** Where a resolver gets its Roster: the caller's own, or one the provider shares. */
@FunctionalInterface
interface RosterSource {

  /**
   * Takes a reference on a connected Roster; may block while connecting.
   *
   * @throws RuntimeException if there is none to be had (ZooKeeper unreachable, Roster closed)
   */
  Lease acquire();

  /** A Roster and how to give it back; {@code release} runs once, when the resolver shuts down. */
  record Lease(Roster roster, Runnable release) {}
}
