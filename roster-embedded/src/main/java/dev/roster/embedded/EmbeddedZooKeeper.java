package dev.roster.embedded;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node ZooKeeper server running in this JVM and listening on 127.0.0.1 only.
 * It serves real clients over TCP, keeps its data in a directory, removes empty CONTAINER
 * nodes, and can be stopped and restarted on the same port so that clients see what a server
 * restart looks like.
 *
 * <pre>{@code
 * try (EmbeddedZooKeeper zk =
 *     EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(100)).start()) {
 *   ZooKeeper client = new ZooKeeper(zk.connectString(), 2_000, event -> {});
 *   ...
 * }
 * }</pre>
 *
 * <p>Built with {@link Builder#tls(ServerTls)}, it serves TLS only, on its one port; a plaintext
 * client gets no answer there.
 *
 * <p>For tests it also ends a client's session on the server ({@link #closeSession}), lists the
 * live sessions, and counts the requests each session sends ({@link #requestCounts(long)}), so
 * that a test can state what a client costs the server.
 *
 * <p>All methods are thread-safe.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  /*
   * Why it is built this way:
   *
   * - It assembles ZooKeeperServer and its connection factory itself instead of running
   *   ZooKeeperServerMain, because ZooKeeperServerMain also starts the admin server (Jetty on
   *   8080, all interfaces) and offers no way to pick the bind address in code. Curator's
   *   TestingServer binds every interface.
   *
   * - Every start builds a fresh ServerRun over the same data directory, and ServerRun starts
   *   the ContainerManager that ZooKeeperServerMain would have: see there why.
   *
   * - Request counters belong to this object, not to the server, so they survive restart()
   *   just as sessions do.
   */

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

  /** How long closeSession waits for the server to apply the close before giving up. */
  private static final Duration CLOSE_SESSION_TIMEOUT = Duration.ofSeconds(10);

  private final Path dataDir;
  private final boolean temporaryDataDir;
  private final Timings timings;
  private final int maxClientConnections;
  private final @Nullable ServerTls tls;
  private final RequestCounts counts = new RequestCounts();

  private final Object lifecycle = new Object();

  /** The port asked for, then the port bound by the first start; restarts reuse it. */
  private volatile int port;

  /** The server while it runs; null while stopped or closed. Written under {@link #lifecycle}. */
  private volatile @Nullable ServerRun running;

  /** Guarded by {@link #lifecycle}. */
  private boolean closed;

  private EmbeddedZooKeeper(Builder builder, Path dataDir, boolean temporaryDataDir) {
    this.dataDir = dataDir;
    this.temporaryDataDir = temporaryDataDir;
    this.port = builder.port;
    this.timings = builder.timings.resolve();
    this.maxClientConnections = builder.maxClientConnections;
    this.tls = builder.tls;
  }

  /**
   * Returns a builder for a server on a free port, with a temporary data directory and
   * ZooKeeper's default timings.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the address clients connect to, {@code "127.0.0.1:PORT"}. It stays the same across
   * {@link #stop()} and {@link #restart()}. For a TLS server, this is its TLS port, its only one.
   *
   * @return the connect string
   */
  public String connectString() {
    return Loopback.ADDRESS + ":" + port;
  }

  /**
   * Returns the port the server listens on, chosen at the first start when the builder asked
   * for port 0.
   *
   * @return the port, 1 to 65535
   */
  public int port() {
    return port;
  }

  /**
   * Returns how the server serves TLS.
   *
   * @return the TLS settings, or null for a plaintext server
   */
  public @Nullable ServerTls tls() {
    return tls;
  }

  /**
   * Returns the directory holding the snapshots and the transaction log.
   *
   * @return the data directory; temporary ones no longer exist after {@link #close()}
   */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Returns the tick, the unit of ZooKeeper's timing: sessions expire on tick boundaries.
   *
   * @return the tick time
   */
  public Duration tickTime() {
    return timings.tickTime();
  }

  /**
   * Returns the shortest session timeout the server grants; shorter requests are raised to it.
   *
   * @return the minimum session timeout
   */
  public Duration minSessionTimeout() {
    return timings.minSessionTimeout();
  }

  /**
   * Returns the longest session timeout the server grants; longer requests are cut to it.
   *
   * @return the maximum session timeout
   */
  public Duration maxSessionTimeout() {
    return timings.maxSessionTimeout();
  }

  /**
   * Returns whether the server is serving clients now.
   *
   * @return true between a start and the next {@link #stop()} or {@link #close()}
   */
  public boolean isRunning() {
    return running != null;
  }

  /**
   * Stops serving: closes every client connection and releases the port, but keeps the data
   * and the sessions on disk for {@link #restart()}. Sessions do not expire while the server
   * is stopped; their clocks start again when it restarts. Does nothing if already stopped.
   */
  public void stop() {
    synchronized (lifecycle) {
      ServerRun current = running;
      if (current == null) {
        return;
      }
      running = null;
      current.shutDown();
      LOG.debug("ZooKeeper on {} stopped", connectString());
    }
  }

  /**
   * Starts the server again on the same port with the same data, stopping it first if it
   * runs. Clients reconnect on their own; a session whose timeout has not passed while the
   * server was away survives, with its ephemeral nodes and watches.
   *
   * @throws PortInUseException if something else took the port meanwhile
   * @throws IllegalStateException if the server is closed
   * @throws UncheckedIOException if the data cannot be read or the server cannot start
   */
  public void restart() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("ZooKeeper on " + connectString() + " is closed");
      }
      stop();
      startUp();
    }
  }

  /**
   * Stops the server and, if the data directory was a temporary one, deletes it. A data
   * directory given to the builder is kept. Calling it again does nothing.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      stop();
      if (temporaryDataDir) {
        Directories.deleteQuietly(dataDir, "ZooKeeper's temporary data directory");
      }
    }
  }

  /**
   * Ends a client's session on the server, as if it had expired: the server deletes the
   * session's ephemeral nodes, fires the watches that depend on them, and closes the client's
   * connection; when the client reconnects it is told its session has expired. Returns once
   * the ephemeral nodes are gone.
   *
   * @param sessionId the session to end, as the client reports it ({@code getSessionId()})
   * @throws IllegalArgumentException if no live session has this id
   * @throws IllegalStateException if the server is not running, or did not close the session
   *     within 10 seconds
   */
  public void closeSession(long sessionId) {
    CountingZooKeeperServer server = requireRunning("close a session").server();
    if (!server.getSessionTracker().isTrackingSession(sessionId)) {
      throw new IllegalArgumentException(
          "session 0x" + Long.toHexString(sessionId) + ": not a live session on this server");
    }
    try {
      server
          .closeSessionAndNotify(sessionId)
          .get(CLOSE_SESSION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while closing session 0x" + Long.toHexString(sessionId), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "session 0x"
              + Long.toHexString(sessionId)
              + " was not closed within "
              + CLOSE_SESSION_TIMEOUT.toSeconds()
              + " s",
          e);
    }
  }

  /**
   * Returns the ids of the sessions the server knows now, including those whose client is
   * disconnected but whose timeout has not passed.
   *
   * @return an immutable copy; empty while the server is stopped
   */
  public Set<Long> sessionIds() {
    ServerRun current = running;
    return current == null ? Set.of() : current.server().liveSessions();
  }

  /**
   * Returns how many requests of each kind one session has sent since the last {@link
   * #resetRequestCounts()}, keyed by ZooKeeper's operation name: {@code "getData"}, {@code
   * "getChildren2"}, {@code "exists"}, {@code "create2"}, {@code "multi"}, {@code "addWatch"},
   * {@code "ping"}, {@code "createSession"}, {@code "closeSession"} and so on.
   *
   * @param sessionId the session, as the client reports it
   * @return an immutable snapshot sorted by name; empty for an unknown session
   */
  public Map<String, Long> requestCounts(long sessionId) {
    return counts.of(sessionId);
  }

  /**
   * Returns how many requests of each kind all sessions together have sent since the last
   * {@link #resetRequestCounts()}.
   *
   * @return an immutable snapshot sorted by operation name
   */
  public Map<String, Long> requestCounts() {
    return counts.total();
  }

  /** Sets every request count back to zero, for every session. */
  public void resetRequestCounts() {
    counts.reset();
  }

  /**
   * Returns the socket address the server listens on. For tests of the binding.
   *
   * @return the bound address
   * @throws IllegalStateException if the server is not running
   */
  InetSocketAddress boundAddress() {
    return requireRunning("read its address").connections().getLocalAddress();
  }

  @Override
  public String toString() {
    return "EmbeddedZooKeeper{" + connectString() + (tls != null ? ", tls" : "") + (isRunning() ? ", running" : ", stopped") + "}";
  }

  private ServerRun requireRunning(String what) {
    ServerRun current = running;
    if (current == null) {
      throw new IllegalStateException(
          "cannot " + what + ": ZooKeeper on " + connectString() + " is not running");
    }
    return current;
  }

  /** Starts one run of the server. Called with {@link #lifecycle} held, while stopped. */
  private void startUp() {
    ServerRun run = ServerRun.start(dataDir, port, timings, maxClientConnections, counts, tls);
    port = run.connections().getLocalPort();
    running = run;
    LOG.debug("ZooKeeper started on {} with data in {}", connectString(), dataDir);
  }

  /**
   * Settings for an {@link EmbeddedZooKeeper}. Every setting has a default; {@link #start()}
   * starts the server.
   */
  public static final class Builder {
    private int port;
    private @Nullable Path dataDir;
    private Timings timings = Timings.ofTick(2_000);
    private int maxClientConnections;
    private @Nullable ServerTls tls;

    private Builder() {}

    /**
     * Sets the port to listen on, on 127.0.0.1. The default, 0, lets the system choose a free
     * port at start; {@link EmbeddedZooKeeper#port()} tells which.
     *
     * @param port 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if the port is out of range
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port " + port + ": must be 0 to 65535");
      }
      this.port = port;
      return this;
    }

    /**
     * Sets a directory for the snapshots and the transaction log, created if missing and kept
     * after {@link EmbeddedZooKeeper#close()}, so that a later server started on it has the same
     * data. By default the server uses a temporary directory that {@code close()} deletes.
     *
     * @param dataDir the directory
     * @return this builder
     */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /**
     * Sets the tick, ZooKeeper's unit of time: sessions are checked for expiry once a tick,
     * and the default session timeout bounds are 2 and 20 ticks. The default is 2 seconds, as
     * in ZooKeeper; tests use 100 to 200 ms.
     *
     * @param tickTime at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if the tick is shorter than 1 ms or too long
     */
    public Builder tickTime(Duration tickTime) {
      this.timings = timings.withTickTime(tickTime);
      return this;
    }

    /**
     * Sets the shortest session timeout the server grants. The default is 2 ticks.
     *
     * @param minSessionTimeout at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if the timeout is shorter than 1 ms or too long
     */
    public Builder minSessionTimeout(Duration minSessionTimeout) {
      this.timings = timings.withMinSessionTimeout(minSessionTimeout);
      return this;
    }

    /**
     * Sets the longest session timeout the server grants. The default is 20 ticks.
     *
     * @param maxSessionTimeout at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if the timeout is shorter than 1 ms or too long
     */
    public Builder maxSessionTimeout(Duration maxSessionTimeout) {
      this.timings = timings.withMaxSessionTimeout(maxSessionTimeout);
      return this;
    }

    /**
     * Sets how many connections the server accepts from one client address. Every client of
     * this server connects from 127.0.0.1, so this limits the connections in all. The default,
     * 0, means no limit.
     *
     * @param maxClientConnections 0 or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder maxClientConnections(int maxClientConnections) {
      if (maxClientConnections < 0) {
        throw new IllegalArgumentException(
            "max client connections " + maxClientConnections + ": must be 0 (no limit) or more");
      }
      this.maxClientConnections = maxClientConnections;
      return this;
    }

    /**
     * Sets how often the server looks for CONTAINER nodes that have had children and have none
     * left, and deletes them. The default is 5 ticks (10 s with the default tick).
     *
     * @param containerCheckInterval at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if the interval is shorter than 1 ms or too long
     */
    public Builder containerCheckInterval(Duration containerCheckInterval) {
      this.timings = timings.withContainerCheckInterval(containerCheckInterval);
      return this;
    }

    /**
     * Serves TLS only, with these settings, instead of plaintext: {@link
     * EmbeddedZooKeeper#connectString()} is then the TLS port. The settings belong to this server
     * alone (no system property is set), so TLS and plaintext servers, or TLS servers with
     * different stores, run side by side in one JVM. A client certificate the server accepts
     * authenticates the session as {@code x509:<subject>}.
     *
     * @param tls the server's stores and client authentication
     * @return this builder
     */
    public Builder tls(ServerTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Starts a server with these settings.
     *
     * @return the running server; close it when done
     * @throws PortInUseException if the port is taken
     * @throws IllegalArgumentException if the minimum session timeout exceeds the maximum
     * @throws UncheckedIOException if the data directory cannot be created or read, or the
     *     server cannot start
     * @throws IllegalStateException if ZooKeeper cannot serve the TLS settings
     */
    public EmbeddedZooKeeper start() {
      boolean temporary = dataDir == null;
      Path dir = Directories.create(dataDir, "roster-zookeeper-", "ZooKeeper's data directory");
      try {
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(this, dir, temporary);
        synchronized (zk.lifecycle) {
          zk.startUp();
        }
        return zk;
      } catch (RuntimeException e) {
        if (temporary) {
          Directories.deleteQuietly(dir, "ZooKeeper's temporary data directory");
        }
        throw e;
      }
    }
  }
}
