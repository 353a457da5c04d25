package dev.roster.internal;

import java.util.Arrays;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a registration does with its node, given what ZooKeeper holds: the one decision
 * behind registering, re-registering after a reconnect, self-healing and updating.
 *
 * <ul>
 *   <li>no node: {@link #CREATE} it (ephemeral, parents as containers);
 *   <li>node of the current session with the wanted data: {@link #KEEP} it — so a reconnect
 *       where the session survived deletes and recreates nothing (no flap);
 *   <li>node of the current session with other data: {@link #SET_DATA} at the seen version;
 *   <li>node of one of this Roster's earlier sessions (the server has not expired it yet, as
 *       after a quorum loss or Curator's simulated expiry): {@link #REPLACE} it, deleting at
 *       the seen version and creating in one transaction, so watchers can tell it was
 *       replaced, not removed;
 *   <li>node of any other session, or a persistent node: a {@link #CONFLICT}, reported and
 *       never stolen.
 * </ul>
 */
enum NodeAction {
  CREATE,
  KEEP,
  SET_DATA,
  REPLACE,
  CONFLICT;

  /**
   * Decides; a pure function, so every path takes the same decision.
   *
   * @param nodeData the node's data, or null if there is no node
   * @param owner the node's ephemeral owner (0 for a persistent node); ignored without a node
   * @param session the session this Roster has now
   * @param ourSessions every session this Roster has had, the current one included or not
   * @param wanted the data the registration wants in the node
   */
  static NodeAction decide(byte @Nullable [] nodeData, long owner, long session, Set<Long> ourSessions,
      byte[] wanted) {
    if (nodeData == null) {
      return CREATE;
    }
    if (owner != 0 && owner == session) {
      return Arrays.equals(nodeData, wanted) ? KEEP : SET_DATA;
    }
    if (owner != 0 && ourSessions.contains(owner)) {
      return REPLACE;
    }
    return CONFLICT;
  }
}
