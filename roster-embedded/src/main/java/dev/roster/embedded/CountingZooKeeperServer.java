package dev.roster.embedded;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.zookeeper.ZooDefs.OpCode;
import org.apache.zookeeper.server.DataTree.ProcessTxnResult;
import org.apache.zookeeper.server.Request;
import org.apache.zookeeper.server.RequestProcessor;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;

/**
 * The standalone {@link ZooKeeperServer} with two hooks: it counts every request it receives,
 * and it tells a waiting {@link EmbeddedZooKeeper#closeSession} when a session's close has been
 * applied to the tree.
 *
 * <p>Counting sits in {@link #submitRequest}: in 3.9 every client packet (pings included),
 * every session creation and every server-side session close enters the pipeline there, once,
 * before the request throttler. The throttler later calls {@code submitRequestNow}, which would
 * count the same request a second time and would miss requests the throttler drops.
 */
final class CountingZooKeeperServer extends ZooKeeperServer {
  private final RequestCounts counts;
  private final ConcurrentMap<Long, CompletableFuture<Void>> pendingCloses =
      new ConcurrentHashMap<>();

  CountingZooKeeperServer(
      FileTxnSnapLog txnLog,
      int tickTimeMs,
      int minSessionTimeoutMs,
      int maxSessionTimeoutMs,
      RequestCounts counts) {
    // -1: the operating system's default listen backlog; null: no dynamic config (standalone).
    super(txnLog, tickTimeMs, minSessionTimeoutMs, maxSessionTimeoutMs, -1, null, null, false);
    this.counts = counts;
  }

  @Override
  public void submitRequest(Request request) {
    counts.record(request.sessionId, request.type);
    super.submitRequest(request);
  }

  /**
   * Applies a transaction and, for a session close, completes the future of anyone waiting on
   * it. This runs after the tree has deleted the session's ephemeral nodes and the session
   * tracker has forgotten it, which is the moment a caller of closeSession wants.
   */
  @Override
  public ProcessTxnResult processTxn(Request request) {
    ProcessTxnResult result = super.processTxn(request);
    if (request.type == OpCode.closeSession) {
      CompletableFuture<Void> waiting = pendingCloses.remove(request.sessionId);
      if (waiting != null) {
        waiting.complete(null);
      }
    }
    return result;
  }

  /** Closes a session as the session tracker would on expiry; completes once it is applied. */
  CompletableFuture<Void> closeSessionAndNotify(long sessionId) {
    CompletableFuture<Void> closed =
        pendingCloses.computeIfAbsent(sessionId, id -> new CompletableFuture<>());
    closeSession(sessionId);
    return closed;
  }

  /** Fails every pending close, so that no caller waits for a server that is going away. */
  void abandonPendingCloses() {
    pendingCloses.forEach(
        (id, future) ->
            future.completeExceptionally(
                new IllegalStateException(
                    "ZooKeeper stopped before session 0x" + Long.toHexString(id) + " was closed")));
    pendingCloses.clear();
  }

  /** The live sessions, or an empty set before startup and after shutdown. */
  Set<Long> liveSessions() {
    return sessionTracker == null ? Set.of() : Set.copyOf(sessionTracker.globalSessions());
  }

  /**
   * The head of the request pipeline. The container manager posts its deletes here, as
   * ZooKeeperServerMain does; it exists only once {@link #startup()} has run.
   */
  RequestProcessor firstProcessor() {
    return firstProcessor;
  }
}
