package dev.roster.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this process was paused (stop-the-world GC, SIGSTOP, a suspended VM): the
 * timer ticks every 50 ms, so a much longer gap means nothing here ran. The session may have
 * expired meanwhile without this client having been told yet, so registrations stop claiming
 * to be registered until a round trip to ZooKeeper, or a fresh handshake, says the session
 * lives.
 */
final class PauseWatchdog {
  private static final Logger log = LoggerFactory.getLogger(PauseWatchdog.class);
  private static final Duration TICK = Duration.ofMillis(50);

  private final Connection connection;
  private final Timer timer;
  private final long thresholdNanos;
  private final Duration operationTimeout;
  /** When the watchdog last ran; a long gap means this process was paused. */
  private volatile long lastTick = System.nanoTime();
  /** Set when a pause may have outlived the session; cleared by a round trip or a (re)connect. */
  private volatile boolean inDoubt;
  private volatile boolean stopped;

  PauseWatchdog(Connection connection, Timer timer, Duration sessionTimeout, Duration operationTimeout) {
    this.connection = connection;
    this.operationTimeout = operationTimeout;
    this.timer = timer;
    // A pause of a third of the session is enough for the server to be close to expiring it.
    this.thresholdNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(200), sessionTimeout.toNanos() / 3);
  }

  void start() {
    lastTick = System.nanoTime();
    timer.every(TICK, this::tick);
  }

  void stop() {
    stopped = true;
  }

  /** A handshake with the server settles the doubt. */
  void handshake() {
    inDoubt = false;
  }

  /**
   * True unless a pause is unverified. Checks the clock too, because the caller may run
   * before the watchdog's first tick after a thaw.
   */
  boolean trusted() {
    return !inDoubt && System.nanoTime() - lastTick < thresholdNanos;
  }

  private void tick() {
    long now = System.nanoTime();
    long gap = now - lastTick;
    boolean paused = gap > thresholdNanos && !stopped;
    if (paused) {
      // In doubt before the clock moves on, so that trusted() never sees a fresh tick
      // without the doubt.
      inDoubt = true;
    }
    lastTick = now;
    if (paused) {
      log.warn("this process was paused for {} ms; verifying the ZooKeeper session before trusting it",
          TimeUnit.NANOSECONDS.toMillis(gap));
      connection.context().execute(this::verify);
    }
  }

  /** One round trip on the current handle; success on the same session clears the doubt. */
  private void verify() {
    ZooKeeper zk = connection.zooKeeperOrNull();
    if (zk == null || !inDoubt) {
      return;
    }
    long sid = zk.getSessionId();
    try {
      ZkOps.await(ZkOps.exists(zk, "/"), operationTimeout);
      if (sid == connection.sessionId() && zk.getSessionId() == sid && connection.isConnected()) {
        inDoubt = false;
        log.info("session 0x{} survived the pause", Long.toHexString(sid));
      }
    } catch (KeeperException e) {
      // Connection events will follow (a reconnect on the same session, or a new one).
      log.debug("session check after a pause failed: {}", e.code());
    }
  }
}
