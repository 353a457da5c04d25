package dev.roster.internal;

import dev.roster.Registration;
import dev.roster.RosterEventListener;
import dev.roster.RosterEventListener.ConnectionState;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The implementation behind {@code dev.roster.Roster}: one Curator client (which owns the
 * connection, reconnects and new sessions), the registrar and the shared views.
 *
 * <p>Threads: Curator's connection events arrive on one serial context, which tracks the
 * session id and fans out to the registrar's context and each view's context. Nothing here
 * runs user code on a ZooKeeper thread, and no state is global: two Rosters in one JVM
 * share nothing.
 */
public final class RosterCore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RosterCore.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final RosterConfig config;
  private final SafeEvents events;
  private final CuratorFramework curator;
  private final ExecutorService workers;
  private final ScheduledExecutorService scheduler;
  private final SerialExecutor connectionCtx;
  private final SerialExecutor registrarCtx;
  private final Registrar registrar;
  private final Map<String, ServiceViewImpl> views = new HashMap<>(); // guarded by itself
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The threads of health-checked registrations, made on first use. */
  private @Nullable HealthRunner health; // guarded by this
  private final AtomicBoolean reconcileScheduled = new AtomicBoolean();
  private final AtomicInteger reconcileFailures = new AtomicInteger();
  private final Object connectedLock = new Object();
  private volatile boolean connected;
  private volatile long sessionId;
  /** When the watchdog last ran; a long gap means this process was paused. */
  private volatile long lastTick = System.nanoTime();
  /** Set when a pause may have outlived the session; cleared by a round trip or a (re)connect. */
  private volatile boolean inDoubt;
  private final long pauseThresholdNanos;

  public RosterCore(RosterConfig config) {
    this.config = config;
    this.events = new SafeEvents(config.eventListener());
    int n = INSTANCES.incrementAndGet();
    this.workers = Executors.newCachedThreadPool(daemon("roster-" + n + "-worker-"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("roster-" + n + "-timer-"));
    this.connectionCtx = new SerialExecutor(workers, "roster-connection");
    this.registrarCtx = new SerialExecutor(workers, "roster-registrar");
    this.registrar = new Registrar(this, registrarCtx);
    // A pause of a third of the session is enough for the server to be close to expiring it.
    this.pauseThresholdNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(200), config.sessionTimeout().toNanos() / 3);
    this.curator = CuratorFrameworkFactory.builder()
        .connectString(config.connectString())
        .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
        .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
        .retryPolicy(new ExponentialBackoffRetry(100, 29, 1000))
        // The ensemble tracker rewrites the connect string from the servers' own config,
        // which would bypass proxies and load balancers the user put in front of them.
        .ensembleTracker(false)
        .zookeeperFactory(new PromptReconnect())
        .threadFactory(daemon("roster-" + n + "-curator-"))
        .build();
  }

  /** Connects, waiting up to the connection timeout. */
  public void start() {
    scheduler.scheduleWithFixedDelay(this::watchdog, 50, 50, TimeUnit.MILLISECONDS);
    curator.getConnectionStateListenable().addListener(
        (client, state) -> connectionCtx.execute(() -> onState(state)));
    curator.start();
    boolean ok;
    try {
      ok = curator.blockUntilConnected((int) config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new RosterException("interrupted while connecting to ZooKeeper at " + config.connectString(), e);
    }
    if (!ok) {
      if (!config.failFast()) {
        log.warn("ZooKeeper at {} is not reachable yet; starting anyway and connecting in the background",
            config.connectString());
        return;
      }
      close();
      throw new RosterException("could not connect to ZooKeeper at " + config.connectString()
          + " within " + config.connectionTimeout().toMillis() + " ms");
    }
    // Record the session now rather than when the CONNECTED event arrives, which can be late.
    noteConnected();
  }

  /**
   * Notices that this process was paused (stop-the-world GC, SIGSTOP, a suspended VM): the
   * timer thread runs every 50 ms, so a much longer gap means nothing here ran. The session
   * may have expired meanwhile without this client having been told yet, so registrations
   * stop claiming to be registered until a round trip to ZooKeeper says the session lives.
   */
  private void watchdog() {
    long now = System.nanoTime();
    long gap = now - lastTick;
    boolean paused = gap > pauseThresholdNanos && !closed.get();
    if (paused) {
      // In doubt before the clock moves on, so that sessionTrusted() never sees a fresh tick
      // without the doubt.
      inDoubt = true;
    }
    lastTick = now;
    if (paused) {
      log.warn("this process was paused for {} ms; verifying the ZooKeeper session before trusting it",
          TimeUnit.NANOSECONDS.toMillis(gap));
      connectionCtx.execute(this::verifySession);
    }
  }

  /** One round trip on the current handle; success on the same session clears the doubt. */
  private void verifySession() {
    ZooKeeper zk = zooKeeperOrNull();
    if (zk == null || !inDoubt) {
      return;
    }
    long sid = zk.getSessionId();
    try {
      ZkOps.await(ZkOps.exists(zk, "/"), config.operationTimeout());
      if (sid == sessionId && zk.getSessionId() == sid && curator.getZookeeperClient().isConnected()) {
        inDoubt = false;
        log.info("session 0x{} survived the pause", Long.toHexString(sid));
      }
    } catch (org.apache.zookeeper.KeeperException e) {
      // Connection events will follow (a reconnect on the same session, or a new one).
      log.debug("session check after a pause failed: {}", e.code());
    }
  }

  /**
   * True when the current session can be trusted: connected, no unverified pause, and the
   * watchdog ran recently (checked here too, because the caller may run before the watchdog
   * after a thaw).
   */
  boolean sessionTrusted() {
    return isConnected() && !inDoubt && System.nanoTime() - lastTick < pauseThresholdNanos;
  }

  private void noteConnected() {
    ZooKeeper zk = zooKeeperOrNull();
    if (zk == null) {
      return;
    }
    long sid = zk.getSessionId();
    synchronized (connectedLock) {
      connected = curator.getZookeeperClient().isConnected();
      if (connected) {
        inDoubt = false; // a fresh handshake with the server settles it
      }
      if (sid != 0 && sid != sessionId) {
        long previous = sessionId;
        sessionId = sid;
        registrar.noteSession(sid);
        log.debug("session 0x{} (was 0x{})", Long.toHexString(sid), Long.toHexString(previous));
        events.sessionStarted(previous, sid);
      }
      connectedLock.notifyAll();
    }
  }

  /** Connection events, on the connection context, in order. */
  private void onState(org.apache.curator.framework.state.ConnectionState state) {
    if (closed.get()) {
      return;
    }
    switch (state) {
      case CONNECTED:
      case RECONNECTED: {
        boolean wasConnected = connected;
        long before = sessionId;
        noteConnected();
        boolean first = state == org.apache.curator.framework.state.ConnectionState.CONNECTED;
        events.connectionStateChanged(first ? ConnectionState.CONNECTED : ConnectionState.RECONNECTED);
        // start() already recorded this connection; Curator's CONNECTED event often comes
        // after the first registrations and views, which are current. Re-reading them all
        // then would be wasted work on every client start.
        if (!(first && wasConnected && before == sessionId)) {
          reconcile();
        }
        break;
      }
      case SUSPENDED:
      case LOST:
        synchronized (connectedLock) {
          connected = false;
        }
        events.connectionStateChanged(state == org.apache.curator.framework.state.ConnectionState.LOST
            ? ConnectionState.LOST : ConnectionState.SUSPENDED);
        for (ServiceViewImpl v : viewsCopy()) {
          v.onSuspended();
        }
        break;
      default:
        break;
    }
  }

  /** Makes registrations and views converge with ZooKeeper, on their own contexts. */
  private void reconcile() {
    registrarCtx.execute(registrar::onConnected);
    for (ServiceViewImpl v : viewsCopy()) {
      v.onConnected();
    }
  }

  /**
   * Runs {@link #reconcile} again after a failure that was not a disconnect, backing off
   * exponentially (0.5 s doubling to 16 s) with jitter, so that clients failing together do
   * not retry together.
   */
  void scheduleReconcile() {
    if (closed.get() || !reconcileScheduled.compareAndSet(false, true)) {
      return;
    }
    int failures = Math.min(reconcileFailures.getAndIncrement(), 5);
    long base = 500L << failures;
    long delay = base / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(base);
    try {
      scheduler.schedule(() -> {
        reconcileScheduled.set(false);
        if (!closed.get() && isConnected()) {
          reconcile();
        }
      }, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      reconcileScheduled.set(false);
    }
  }

  /** Resets the back-off of {@link #scheduleReconcile}. */
  void reconcileSucceeded() {
    reconcileFailures.set(0);
  }

  /** Runs {@code task} after {@code delay} on the timer thread, unless this Roster is closed by then. */
  void schedule(Duration delay, Runnable task) {
    if (closed.get()) {
      return;
    }
    try {
      scheduler.schedule(() -> {
        if (!closed.get()) {
          task.run();
        }
      }, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private List<ServiceViewImpl> viewsCopy() {
    synchronized (views) {
      return new ArrayList<>(views.values());
    }
  }

  public RosterConfig config() {
    return config;
  }

  RosterEventListener events() {
    return events;
  }

  /** True while the client has a live connection (Curator's view, refreshed on every event). */
  public boolean isConnected() {
    return connected && curator.getZookeeperClient().isConnected();
  }

  /** Waits up to {@code timeout} for a connection. */
  boolean awaitConnected(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (connectedLock) {
      while (!isConnected()) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || closed.get()) {
          return false;
        }
        try {
          // Woken by noteConnected(); the cap covers a state change we were not told of.
          TimeUnit.NANOSECONDS.timedWait(connectedLock, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RosterException("interrupted while waiting for ZooKeeper", e);
        }
      }
      return true;
    }
  }

  /** The ZooKeeper handle of the moment, or null while Curator has none. */
  public @Nullable ZooKeeper zooKeeperOrNull() {
    if (closed.get()) {
      return null;
    }
    try {
      return curator.getZookeeperClient().getZooKeeper();
    } catch (Exception e) {
      return null;
    }
  }

  /** The current session id, or 0 before the first connection. */
  public long sessionId() {
    return sessionId;
  }

  /** Every session id this Roster has had. */
  public Set<Long> sessionIds() {
    return registrar.sessions();
  }

  String servicePath(String service) {
    return config.basePath().equals("/") ? "/" + service : config.basePath() + "/" + service;
  }

  String instancePath(String service, String id) {
    return servicePath(service) + "/" + id;
  }

  byte[] encode(ServiceInstance instance) {
    checkWritableCodec(instance);
    byte[] data = config.codec().encode(instance);
    if (data.length > config.maxInstanceBytes()) {
      throw new IllegalArgumentException("instance " + Validation.quote(instance.service() + "/" + instance.id())
          + ": serializes to " + data.length + " bytes; must be at most " + config.maxInstanceBytes()
          + " (see Roster.Builder.maxInstanceBytes)");
    }
    return data;
  }

  public Registration register(ServiceInstance instance) {
    checkOpen();
    checkWritableCodec(instance);
    return registrar.register(instance);
  }

  /** Starts a health-checked registration; see {@code Roster.register(instance, check, policy)}. */
  public HealthCheckedRegistration register(ServiceInstance instance, HealthCheck check, HealthPolicy policy) {
    checkWritableCodec(instance);
    instance.validate();
    encode(instance); // the size check, before any thread starts
    HealthRunner runner;
    synchronized (this) {
      checkOpen();
      if (health == null) {
        health = new HealthRunner(this);
      }
      runner = health;
    }
    return runner.register(instance, check, policy);
  }

  /** Refuses, before anything is sent, to register through a codec that only reads. */
  private void checkWritableCodec(ServiceInstance instance) {
    if (!config.codec().canEncode()) {
      throw new UnsupportedOperationException("cannot register " + Validation.quote(instance.service() + "/"
          + instance.id()) + ": this Roster's codec '" + config.codec().name() + "' is read-only (it reads other"
          + " tools' nodes); build a Roster with InstanceCodec.springCloud(), curator() or raw() to register");
    }
  }

  public ServiceView watch(String service) {
    checkOpen();
    Validation.readableName("service name", service);
    ServiceViewImpl view;
    boolean created = false;
    synchronized (views) {
      view = views.get(service);
      if (view == null) {
        view = new ServiceViewImpl(this, service, new SerialExecutor(workers, "roster-view-" + service));
        views.put(service, view);
        created = true;
      }
      view.refs++;
    }
    if (created) {
      view.start();
    }
    return new ViewHandle(this, view);
  }

  /** The names of the services under the base path, sorted; one read. */
  public List<String> services() {
    checkOpen();
    if (!awaitConnected(config.operationTimeout())) {
      throw new RosterException("ZooKeeper at " + config.connectString() + " is not reachable");
    }
    ZooKeeper zk = zooKeeperOrNull();
    if (zk == null) {
      throw new RosterException("ZooKeeper at " + config.connectString() + " is not reachable");
    }
    try {
      ZkOps.Children children = ZkOps.await(ZkOps.getChildren(zk, config.basePath()), config.operationTimeout());
      List<String> sorted = new ArrayList<>(children == null ? List.of() : children.names());
      sorted.sort(null);
      return List.copyOf(sorted);
    } catch (org.apache.zookeeper.KeeperException e) {
      throw new RosterException("could not list " + config.basePath() + " at ZooKeeper "
          + config.connectString() + ": " + e.code(), e);
    }
  }

  void release(ServiceViewImpl view) {
    synchronized (views) {
      if (--view.refs > 0) {
        return;
      }
      views.remove(view.service, view);
    }
    view.close();
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this Roster is closed");
    }
  }

  /** Ends the session (every registration's node disappears at once) and stops all threads. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    HealthRunner h;
    synchronized (this) {
      h = health;
    }
    if (h != null) {
      h.close(); // first, so no check re-registers anything while the session ends
    }
    registrar.closeAll(config.operationTimeout());
    for (ServiceViewImpl v : viewsCopy()) {
      v.close();
    }
    synchronized (views) {
      views.clear();
    }
    try {
      curator.close();
    } catch (RuntimeException e) {
      log.debug("closing the ZooKeeper client", e);
    }
    events.connectionStateChanged(ConnectionState.CLOSED);
    scheduler.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.shutdownNow();
    synchronized (connectedLock) {
      connected = false;
      connectedLock.notifyAll();
    }
  }

  public boolean isClosed() {
    return closed.get();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
