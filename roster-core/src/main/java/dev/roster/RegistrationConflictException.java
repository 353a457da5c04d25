package dev.roster;

/**
 * The node for an instance already exists and belongs to another live ZooKeeper session,
 * so registering would steal it. Roster never replaces such a node; it replaces only nodes
 * left by its own earlier sessions.
 */
public final class RegistrationConflictException extends RosterException {
  private static final long serialVersionUID = 1L;

  /** The znode path in conflict. */
  private final String path;
  /** The ZooKeeper session that owns the node. */
  private final long ownerSessionId;

  /**
   * Creates the exception for {@code path}, owned by session {@code ownerSessionId}.
   *
   * @param path the znode path in conflict
   * @param ownerSessionId the session that owns the node
   */
  public RegistrationConflictException(String path, long ownerSessionId) {
    super("instance node " + path + " is owned by another live session 0x"
        + Long.toHexString(ownerSessionId)
        + "; another process registered the same service and id (choose a unique id, or stop the other one)");
    this.path = path;
    this.ownerSessionId = ownerSessionId;
  }

  /**
   * The znode path in conflict.
   *
   * @return the znode path, such as {@code /services/payments/payments-1}
   */
  public String path() {
    return path;
  }

  /**
   * The ZooKeeper session that owns the node, as ZooKeeper reports it.
   *
   * @return the owning session's id
   */
  public long ownerSessionId() {
    return ownerSessionId;
  }
}
