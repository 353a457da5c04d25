package dev.roster.internal;

import dev.roster.RosterEventListener.ConnectionState;
import dev.roster.RosterException;
import dev.roster.security.Authentication;
import dev.roster.security.Tls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Roster's connection to ZooKeeper: the Curator client (which owns connecting,
 * reconnecting and new sessions), the session of the moment, and its events.
 *
 * <p>Curator's connection events arrive on one serial context, in order; the connection
 * state here is updated first, then the {@link Handler} is told, then the event is queued
 * for listeners — so a listener told CONNECTED finds {@code isConnected()} true.
 */
final class Connection {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  /**
   * Under TLS, how long the first connection may take before a diagnostic handshake looks for a
   * certificate problem (at most half the connection timeout).
   */
  private static final long DIAGNOSE_AFTER_MS = 2_000;

  /** What the rest of the Roster does on connection events; called on the connection context. */
  interface Handler {
    /** A session began (the first, or one after expiry); called before anything else is told. */
    void sessionStarted(long sessionId);

    /** Connected or reconnected; registrations and views should converge with ZooKeeper. */
    void reconcile();

    /** The connection is in doubt. */
    void suspended();
  }

  private final RosterConfig config;
  private final Events events;
  private final CuratorFramework curator;
  private final SerialExecutor ctx;
  private final Object lock = new Object();
  private @Nullable Handler handler;
  private volatile boolean connected;
  private volatile long sessionId;
  private volatile boolean closed;
  private final PauseWatchdog watchdog;
  /** Why the first connection failed, when a diagnosis found out; written by {@link #start}. */
  private volatile @Nullable String connectProblem;
  /**
   * The first connection's SASL login, under SASL: true once the server accepted it, false if
   * it refused. ZooKeeper's client says "connected" before it logs in, so {@link #start} waits
   * for this too.
   */
  private final CompletableFuture<Boolean> saslLogin = new CompletableFuture<>();

  Connection(RosterConfig config, Events events, Executor workers, Timer timer, ThreadFactory curatorThreads) {
    this.config = config;
    this.events = events;
    this.ctx = new SerialExecutor(workers, "roster-connection");
    this.watchdog = new PauseWatchdog(this, timer, config.sessionTimeout(), config.operationTimeout());
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
        .connectString(config.connectString())
        .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
        .retryPolicy(new ExponentialBackoffRetry(100, 29, 1000))
        // The ensemble tracker rewrites the connect string from the servers' own config,
        // which would bypass proxies and load balancers the user put in front of them.
        .ensembleTracker(false)
        .zookeeperFactory(new PromptReconnect())
        .threadFactory(curatorThreads);
    try {
      Security.configure(builder, config);
    } catch (Exception e) {
      throw new RosterException("configuring the ZooKeeper client for " + config.connectString() + ": " + e.getMessage(), e);
    }
    this.curator = builder.build();
  }

  /** The serial context of connection events, also used for work that must follow them in order. */
  SerialExecutor context() {
    return ctx;
  }

  /**
   * Connects, waiting up to the connection timeout.
   *
   * @return false if no connection was made in time
   */
  boolean start(Handler handler) {
    this.handler = handler;
    curator.getConnectionStateListenable().addListener((client, state) -> ctx.execute(() -> onState(state)));
    curator.getCuratorListenable().addListener((client, event) -> {
      if (event.getType() == CuratorEventType.WATCHED && event.getWatchedEvent() != null) {
        onSaslOutcome(event.getWatchedEvent().getState());
      }
    });
    watchdog.start();
    curator.start();
    boolean ok;
    try {
      ok = awaitFirstConnection();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RosterException("interrupted while connecting to ZooKeeper at " + config.connectString(), e);
    }
    if (ok) {
      // Recorded now rather than when the CONNECTED event arrives, which can be late.
      noteConnected();
    }
    return ok;
  }

  /**
   * Waits for the first connection. Under TLS, ZooKeeper's client treats a failed handshake like
   * an unreachable server and tries again for ever, so a bad certificate would only show as a
   * timeout. So when the connection is late, one handshake of our own ({@link TlsDiagnosis})
   * looks for a certificate problem, and one it finds ends the wait at once: trying again
   * would fail the same way. The connection is never retried without TLS.
   */
  private boolean awaitFirstConnection() throws InterruptedException {
    long timeoutMs = config.connectionTimeout().toMillis();
    Tls tls = config.tls();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    if (tls == null) {
      return curator.blockUntilConnected((int) timeoutMs, TimeUnit.MILLISECONDS) && saslLoggedIn(deadline);
    }
    if (curator.blockUntilConnected((int) Math.min(timeoutMs / 2, DIAGNOSE_AFTER_MS), TimeUnit.MILLISECONDS)) {
      return saslLoggedIn(deadline);
    }
    String problem = TlsDiagnosis.diagnose(config.connectString(), tls, Duration.ofNanos(deadline - System.nanoTime()));
    if (problem != null && !curator.getZookeeperClient().isConnected()) {
      connectProblem = problem;
      return false;
    }
    long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    return curator.blockUntilConnected((int) Math.max(1, remainingMs), TimeUnit.MILLISECONDS) && saslLoggedIn(deadline);
  }

  /**
   * Under SASL, waits until the deadline for the server's answer to the login. A refusal ends
   * the wait with the problem named; no answer in time counts as connected, since ZooKeeper
   * queues requests behind a login still under way.
   */
  private boolean saslLoggedIn(long deadline) throws InterruptedException {
    if (!isSasl()) {
      return true;
    }
    try {
      boolean accepted = saslLogin.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (!accepted) {
        connectProblem = saslRefused();
      }
      return accepted;
    } catch (TimeoutException e) {
      log.debug("no answer yet to the SASL login at {}; requests wait behind it", config.connectString());
      return true;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e); // never completed exceptionally
    }
  }

  private boolean isSasl() {
    Authentication auth = config.authentication();
    return auth != null && auth.scheme().equals("sasl");
  }

  /** ZooKeeper's client tells how a SASL login ended only through its default watcher. */
  private void onSaslOutcome(KeeperState state) {
    if (state == KeeperState.SaslAuthenticated) {
      saslLogin.complete(true);
    } else if (state == KeeperState.AuthFailed) {
      // The handle cannot be used after this: ZooKeeper fails every request with AUTHFAILED.
      if (!saslLogin.complete(false)) {
        log.error("ZooKeeper at {}: {}", config.connectString(), saslRefused());
      }
    }
  }

  private String saslRefused() {
    Authentication auth = config.authentication();
    String context = auth == null ? "?" : auth.loginContext();
    return "the servers refused the SASL login of JAAS context '" + context
        + "': check its user and password (or Kerberos principal and ticket), and that the servers take SASL"
        + " (a JAAS Server section and authProvider.sasl); ZooKeeper's client log says more";
  }

  /**
   * Why {@link #start} could not connect, when it found out: a TLS problem, in words that name
   * the server and the certificate.
   *
   * @return the problem, or null if it is not known
   */
  @Nullable String connectProblem() {
    return connectProblem;
  }

  /**
   * Records the connection and its session. On the connection context, and once on the
   * thread that calls {@link #start}; the lock keeps the two from both announcing a session.
   *
   * @return true if this session was already recorded as connected, decided under the same
   *     lock (two reads outside it could see the connection but not yet its session)
   */
  private boolean noteConnected() {
    ZooKeeper zk = zooKeeperOrNull();
    if (zk == null) {
      return false;
    }
    long sid = zk.getSessionId();
    synchronized (lock) {
      long previous = sessionId;
      boolean known = connected && sid != 0 && sid == previous;
      connected = curator.getZookeeperClient().isConnected();
      if (connected) {
        watchdog.handshake(); // a fresh handshake with the server settles any doubt
      }
      if (sid != 0 && sid != previous) {
        handler.sessionStarted(sid);
        sessionId = sid;
        log.debug("session 0x{} (was 0x{})", Long.toHexString(sid), Long.toHexString(previous));
        // Queued under the lock, so that it is queued before this connection's CONNECTED.
        events.sessionStarted(previous, sid);
      }
      lock.notifyAll();
      return known;
    }
  }

  /** Connection events, on the connection context, in order. */
  private void onState(org.apache.curator.framework.state.ConnectionState state) {
    if (closed) {
      return;
    }
    switch (state) {
      case CONNECTED, RECONNECTED -> {
        boolean known = noteConnected();
        boolean first = state == org.apache.curator.framework.state.ConnectionState.CONNECTED;
        events.connectionStateChanged(first ? ConnectionState.CONNECTED : ConnectionState.RECONNECTED);
        // start() already recorded this connection; Curator's CONNECTED event often comes
        // after the first registrations and views, which are current. Re-reading them all
        // then would be wasted work on every client start (and, for a large view, a second
        // full read's worth of replies in memory at once).
        if (!(first && known)) {
          handler.reconcile();
        }
      }
      case SUSPENDED, LOST -> {
        synchronized (lock) {
          connected = false;
        }
        handler.suspended();
        events.connectionStateChanged(state == org.apache.curator.framework.state.ConnectionState.LOST
            ? ConnectionState.LOST : ConnectionState.SUSPENDED);
      }
      default -> { }
    }
  }

  /** True while the client has a live connection (Curator's view, refreshed on every event). */
  boolean isConnected() {
    return connected && !closed && curator.getZookeeperClient().isConnected();
  }

  /** Waits up to {@code timeout} for a connection. */
  boolean awaitConnected(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!isConnected()) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || closed) {
          return false;
        }
        try {
          // Woken by noteConnected(); the cap covers a state change we were not told of.
          TimeUnit.NANOSECONDS.timedWait(lock, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RosterException("interrupted while waiting for ZooKeeper", e);
        }
      }
      return true;
    }
  }

  /** The ZooKeeper handle of the moment, or null while Curator has none. */
  @Nullable ZooKeeper zooKeeperOrNull() {
    if (closed) {
      return null;
    }
    try {
      return curator.getZookeeperClient().getZooKeeper();
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * True when the current session can be trusted: connected, and no pause of this process
   * since the last round trip (see {@link PauseWatchdog}).
   */
  boolean sessionTrusted() {
    return isConnected() && watchdog.trusted();
  }

  /** The current session id, or 0 before the first connection. */
  long sessionId() {
    return sessionId;
  }

  /** Ends the session; every ephemeral node of it goes at once. */
  void close() {
    closed = true;
    watchdog.stop();
    try {
      curator.close();
    } catch (RuntimeException e) {
      log.debug("closing the ZooKeeper client", e);
    }
    synchronized (lock) {
      connected = false;
      lock.notifyAll();
    }
  }
}
