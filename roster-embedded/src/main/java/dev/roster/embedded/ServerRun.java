package dev.roster.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.apache.zookeeper.server.ContainerManager;
import org.apache.zookeeper.server.NIOServerCnxnFactory;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;
import org.jspecify.annotations.Nullable;
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
 *
 * <p>A plaintext server uses NIOServerCnxnFactory, as ZooKeeper does by default; a TLS server the
 * Netty factory, the only one that speaks TLS (see {@link TlsConnections}). NIO binds its port in
 * {@code configure}, Netty only in {@code startup}, and Netty closes it asynchronously.
 */
final class ServerRun {
  private static final Logger LOG = LoggerFactory.getLogger(ServerRun.class);

  /** ZooKeeperServerMain's default: the most container deletes per minute. */
  private static final int CONTAINER_DELETES_PER_MINUTE = 10_000;

  /** How long a stopped TLS server may take to release its port. */
  private static final long PORT_RELEASE_TIMEOUT_MS = 5_000;

  private final CountingZooKeeperServer server;
  private final ServerCnxnFactory connections;
  private final @Nullable TlsConnections tls;
  private final FileTxnSnapLog txnLog;
  private final ContainerManager containers;

  private ServerRun(
      CountingZooKeeperServer server,
      ServerCnxnFactory connections,
      @Nullable TlsConnections tls,
      FileTxnSnapLog txnLog,
      ContainerManager containers) {
    this.server = server;
    this.connections = connections;
    this.tls = tls;
    this.txnLog = txnLog;
    this.containers = containers;
  }

  /**
   * Starts a server on {@code port} of 127.0.0.1 (0 for a free one) over {@code dataDir}.
   *
   * @param timings resolved
   * @param serverTls TLS only with these settings, or null for plaintext only
   * @throws PortInUseException if the port is taken
   * @throws UncheckedIOException if the data cannot be read or the server cannot start
   * @throws IllegalStateException if the thread is interrupted (its flag is set again)
   */
  static ServerRun start(
      Path dataDir,
      int port,
      Timings timings,
      int maxClientConnections,
      RequestCounts counts,
      @Nullable ServerTls serverTls) {
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
    TlsConnections tls;
    try {
      tls = serverTls == null ? null : TlsConnections.create(serverTls);
    } catch (RuntimeException e) {
      closeQuietly(txnLog);
      throw e;
    }
    ServerCnxnFactory connections = tls == null ? new NIOServerCnxnFactory() : tls.factory();
    try {
      connections.configure(
          new InetSocketAddress(Loopback.inetAddress(), port), maxClientConnections, -1, tls != null);
    } catch (BindException e) {
      abandon(connections, txnLog);
      throw new PortInUseException(port, e);
    } catch (IOException e) {
      abandon(connections, txnLog);
      throw new UncheckedIOException(
          "cannot listen on " + Loopback.ADDRESS + ":" + port + ": " + e.getMessage(), e);
    }
    if (tls != null) {
      tls.acceptClientIdentities();
    }
    try {
      // Loads the snapshot and the log, then starts the session tracker and the pipeline.
      connections.startup(server);
    } catch (IOException e) {
      forget(tls);
      connections.shutdown();
      closeQuietly(txnLog);
      if (tls != null && isBindFailure(e)) {
        // Netty binds here rather than in configure().
        throw new PortInUseException(port, e);
      }
      throw new UncheckedIOException(
          "cannot start ZooKeeper with data directory " + dataDir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      forget(tls);
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
    return new ServerRun(server, connections, tls, txnLog, containers);
  }

  CountingZooKeeperServer server() {
    return server;
  }

  ServerCnxnFactory connections() {
    return connections;
  }

  /** Stops everything of this run, keeping the data on disk. */
  void shutDown() {
    int port = connections.getLocalPort();
    containers.stop();
    server.abandonPendingCloses();
    forget(tls);
    // Closes the listening socket and every connection, waits for the connection threads, and
    // shuts the server down keeping the database on disk.
    connections.shutdown();
    // Frees the in-memory tree; the next start reads it back from disk.
    server.shutdown(true);
    closeQuietly(txnLog);
    if (tls != null) {
      awaitPortReleased(port);
    }
  }

  /**
   * Waits until Netty has closed the listening socket, which it does on its own threads after
   * shutdown() returns, so that a restart can bind the port again. Nothing announces the close:
   * the port is tried.
   */
  private static void awaitPortReleased(int port) {
    long deadline = System.nanoTime() + PORT_RELEASE_TIMEOUT_MS * 1_000_000;
    while (true) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new InetSocketAddress(Loopback.inetAddress(), port));
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          LOG.warn("port {} still bound {} ms after ZooKeeper stopped", port, PORT_RELEASE_TIMEOUT_MS);
          return;
        }
        Waits.sleep(10, "waiting for port " + port + " to be released");
      }
    }
  }

  /** Netty's native transport reports a taken port as its own IOException, not a BindException. */
  private static boolean isBindFailure(IOException e) {
    return e instanceof BindException
        || (e.getMessage() != null && e.getMessage().contains("Address already in use"));
  }

  private static void forget(@Nullable TlsConnections tls) {
    if (tls != null) {
      tls.forgetClientIdentities();
    }
  }

  /** Cleans up after a failed configure(), before the factory has served anything. */
  private static void abandon(ServerCnxnFactory connections, FileTxnSnapLog txnLog) {
    try {
      if (connections instanceof NIOServerCnxnFactory nio) {
        // Closes the unbound channel and the selectors that configure() opened.
        nio.stop();
      } else {
        // Netty binds later; its event loops run from construction.
        connections.shutdown();
      }
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
