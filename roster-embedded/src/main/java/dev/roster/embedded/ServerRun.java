package dev.roster.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.apache.zookeeper.server.ContainerManager;
import org.apache.zookeeper.server.NIOServerCnxnFactory;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of an {@link EmbeddedZooKeeper}, from a start to the next stop: the server, its
 * connection factory, its transaction log and its container manager, all thrown away by {@link
 * #shutDown()}.
 *
 * <p>A ZooKeeperServer cannot be started again once shut down, and the connection factory cannot
 * rebind. So every start builds a fresh run over the same data directory; the tree and the
 * sessions (with their timeouts) come back from the snapshot and the transaction log. A session's
 * password derives from its id and a constant, so clients whose session has not timed out
 * reconnect to the new server as if nothing but the network had failed.
 *
 * <p>ZooKeeperServerMain is what starts the ContainerManager; a bare ZooKeeperServer never
 * deletes empty containers. So one is started after the server is up (it posts its deletes to the
 * first request processor, which only exists after startup) and stopped first on the way down,
 * so it never posts to a processor that has shut down.
 */
final class ServerRun {
  private static final Logger LOG = LoggerFactory.getLogger(ServerRun.class);

  /** ZooKeeperServerMain's default: the most container deletes per minute. */
  private static final int CONTAINER_DELETES_PER_MINUTE = 10_000;

  private final CountingZooKeeperServer server;
  private final NIOServerCnxnFactory connections;
  private final FileTxnSnapLog txnLog;
  private final ContainerManager containers;

  private ServerRun(
      CountingZooKeeperServer server,
      NIOServerCnxnFactory connections,
      FileTxnSnapLog txnLog,
      ContainerManager containers) {
    this.server = server;
    this.connections = connections;
    this.txnLog = txnLog;
    this.containers = containers;
  }

  /**
   * Starts a server on {@code port} of 127.0.0.1 (0 for a free one) over {@code dataDir}.
   *
   * @param timings resolved
   * @throws PortInUseException if the port is taken
   * @throws UncheckedIOException if the data cannot be read or the server cannot start
   * @throws IllegalStateException if the thread is interrupted (its flag is set again)
   */
  static ServerRun start(
      Path dataDir, int port, Timings timings, int maxClientConnections, RequestCounts counts) {
    FileTxnSnapLog txnLog;
    try {
      txnLog = new FileTxnSnapLog(dataDir.toFile(), dataDir.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open ZooKeeper's data directory " + dataDir + ": " + e.getMessage(), e);
    }
    CountingZooKeeperServer server =
        new CountingZooKeeperServer(
            txnLog,
            timings.tickTimeMs(),
            timings.minSessionTimeoutMs(),
            timings.maxSessionTimeoutMs(),
            counts);
    NIOServerCnxnFactory connections = new NIOServerCnxnFactory();
    try {
      connections.configure(
          new InetSocketAddress(Loopback.inetAddress(), port), maxClientConnections, -1, false);
    } catch (BindException e) {
      abandon(connections, txnLog);
      throw new PortInUseException(port, e);
    } catch (IOException e) {
      abandon(connections, txnLog);
      throw new UncheckedIOException(
          "cannot listen on " + Loopback.ADDRESS + ":" + port + ": " + e.getMessage(), e);
    }
    try {
      // Loads the snapshot and the log, then starts the session tracker and the pipeline.
      connections.startup(server);
    } catch (IOException e) {
      connections.shutdown();
      closeQuietly(txnLog);
      throw new UncheckedIOException(
          "cannot start ZooKeeper with data directory " + dataDir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connections.shutdown();
      closeQuietly(txnLog);
      throw new IllegalStateException("interrupted while starting ZooKeeper", e);
    }
    ContainerManager containers =
        new ContainerManager(
            server.getZKDatabase(),
            server.firstProcessor(),
            timings.containerCheckIntervalMs(),
            CONTAINER_DELETES_PER_MINUTE,
            0L); // 0: a container that never had a child is kept, as ZooKeeper does by default
    containers.start();
    return new ServerRun(server, connections, txnLog, containers);
  }

  CountingZooKeeperServer server() {
    return server;
  }

  NIOServerCnxnFactory connections() {
    return connections;
  }

  /** Stops everything of this run, keeping the data on disk. */
  void shutDown() {
    containers.stop();
    server.abandonPendingCloses();
    // Closes the listening socket and every connection, waits for the connection threads, and
    // shuts the server down keeping the database on disk.
    connections.shutdown();
    // Frees the in-memory tree; the next start reads it back from disk.
    server.shutdown(true);
    closeQuietly(txnLog);
  }

  /** Cleans up after a failed bind, before any thread of the factory has started. */
  private static void abandon(NIOServerCnxnFactory connections, FileTxnSnapLog txnLog) {
    try {
      // Closes the unbound channel and the selectors that configure() opened.
      connections.stop();
    } catch (RuntimeException e) {
      LOG.debug("cleaning up after a failed bind", e);
    }
    closeQuietly(txnLog);
  }

  private static void closeQuietly(FileTxnSnapLog txnLog) {
    try {
      txnLog.close();
    } catch (IOException e) {
      LOG.warn("could not close ZooKeeper's transaction log in {}", txnLog.getDataLogDir(), e);
    }
  }
}
