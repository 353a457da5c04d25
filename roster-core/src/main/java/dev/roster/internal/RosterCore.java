package dev.roster.internal;

import dev.roster.Registration;
import dev.roster.RosterEventListener.ConnectionState;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;

/**
 * The implementation behind {@code dev.roster.Roster}: the connection, the registrar, the
 * shared views and the health-checked registrations of one Roster, and its threads.
 *
 * <p>Threads: a pool runs the serial contexts (the connection's, the registrar's, one per
 * view); a timer thread only schedules; every callback into user code goes through {@link
 * Events}. Nothing here runs user code on a ZooKeeper thread, and no state is global: two
 * Rosters in one JVM share nothing.
 */
public final class RosterCore implements AutoCloseable, Connection.Handler {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final RosterConfig config;
  private final Events events;
  private final ExecutorService workers;
  private final Timer timer;
  private final Connection connection;
  private final Ownership ownership;
  private final Registrar registrar;
  private final ViewRegistry views;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean reconcileScheduled = new AtomicBoolean();
  private final Backoff reconcileBackoff = new Backoff(Duration.ofMillis(500), 5);
  private final Object healthLock = new Object();
  /** The threads of health-checked registrations, made on first use. */
  private @Nullable HealthRunner health; // guarded by healthLock
  private boolean healthClosed; // guarded by healthLock

  public RosterCore(RosterConfig config) {
    this.config = config;
    int n = INSTANCES.incrementAndGet();
    this.events = new Events(config.eventListener(), config.eventExecutor(), "roster-" + n + "-events-");
    this.workers = Executors.newCachedThreadPool(Threads.daemon("roster-" + n + "-worker-"));
    this.timer = new Timer("roster-" + n + "-timer-");
    this.connection = new Connection(config, events, workers, timer, Threads.daemon("roster-" + n + "-curator-"));
    this.ownership = new Ownership(config, workers, this::zooKeeperOrNull);
    this.registrar = new Registrar(this, new SerialExecutor(workers, "roster-registrar"));
    this.views = new ViewRegistry(this, workers);
  }

  /** Connects, waiting up to the connection timeout. */
  public void start() {
    boolean ok;
    try {
      ok = connection.start(this);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    if (!ok) {
      String problem = connection.connectProblem();
      String why = problem == null ? "" : ": " + problem;
      if (!config.failFast()) {
        org.slf4j.LoggerFactory.getLogger(RosterCore.class).warn(
            "ZooKeeper at {} is not reachable yet{}; starting anyway and connecting in the background",
            config.connectString(), why);
        return;
      }
      close();
      throw new RosterException("could not connect to ZooKeeper at " + config.connectString()
          + (problem == null ? " within " + config.connectionTimeout().toMillis() + " ms" : why));
    }
  }

  // Connection.Handler, on the connection context.

  @Override
  public void sessionStarted(long sessionId) {
    registrar.noteSession(sessionId);
    ownership.sessionStarted(sessionId);
  }

  @Override
  public void reconcile() {
    registrar.ctx.execute(registrar::onConnected);
    for (SharedView v : views.all()) {
      v.onConnected();
    }
  }

  @Override
  public void suspended() {
    for (SharedView v : views.all()) {
      v.onSuspended();
    }
  }

  /**
   * Runs {@link #reconcile} again after a failure that was not a disconnect, backing off
   * (0.5 s doubling to 16 s, jittered).
   */
  void scheduleReconcile() {
    if (closed.get() || !reconcileScheduled.compareAndSet(false, true)) {
      return;
    }
    if (timer.schedule(reconcileBackoff.next(), () -> {
      reconcileScheduled.set(false);
      if (isConnected()) {
        connection.context().execute(this::reconcile);
      }
    }) == null) {
      reconcileScheduled.set(false);
    }
  }

  /** Resets the back-off of {@link #scheduleReconcile}. */
  void reconcileSucceeded() {
    reconcileBackoff.reset();
  }

  public RosterConfig config() {
    return config;
  }

  Events events() {
    return events;
  }

  Ownership ownership() {
    return ownership;
  }

  Timer timer() {
    return timer;
  }

  /** True while the client has a live connection. */
  public boolean isConnected() {
    return connection.isConnected();
  }

  /** True when the current session can be trusted; see {@link PauseWatchdog}. */
  boolean sessionTrusted() {
    return connection.sessionTrusted();
  }

  boolean awaitConnected(Duration timeout) {
    return connection.awaitConnected(timeout);
  }

  /** The ZooKeeper handle of the moment, or null while there is none. */
  public @Nullable ZooKeeper zooKeeperOrNull() {
    return closed.get() ? null : connection.zooKeeperOrNull();
  }

  /** The current session id, or 0 before the first connection. */
  public long sessionId() {
    return connection.sessionId();
  }

  String servicePath(String service) {
    return config.basePath().equals("/") ? "/" + service : config.basePath() + "/" + service;
  }

  String instancePath(String service, String id) {
    return servicePath(service) + "/" + id;
  }

  /** Serializes an instance for its node, refusing a read-only codec or an instance too large. */
  byte[] encode(ServiceInstance instance) {
    if (!config.codec().canEncode()) {
      throw new UnsupportedOperationException("cannot register " + Validation.quote(instance.service() + "/"
          + instance.id()) + ": this Roster's codec '" + config.codec().name() + "' is read-only (it reads other"
          + " tools' nodes); build a Roster with InstanceCodec.springCloud(), curator() or raw() to register");
    }
    byte[] data = config.codec().encode(instance);
    if (data.length > config.maxInstanceBytes()) {
      throw new IllegalArgumentException("instance " + Validation.quote(instance.service() + "/" + instance.id())
          + ": serializes to " + data.length + " bytes; must be at most " + config.maxInstanceBytes()
          + " (see Roster.Builder.maxInstanceBytes)");
    }
    return data;
  }

  /**
   * Checks an update of a registration before anything changes: same service and id, valid
   * fields, not too large.
   *
   * @return the new node data
   */
  byte[] checkUpdate(ServiceInstance current, ServiceInstance next) {
    if (!next.service().equals(current.service()) || !next.id().equals(current.id())) {
      throw new IllegalArgumentException("instance " + Validation.quote(next.service() + "/" + next.id())
          + ": must keep the service and id of the registration (" + current.service() + "/"
          + current.id() + "); register a new instance instead");
    }
    next.validate();
    return encode(next);
  }

  public Registration register(ServiceInstance instance) {
    Threads.refuseBlocking("Roster.register()");
    checkOpen();
    if (!config.codec().canEncode()) {
      encode(instance); // the read-only codec's message, before validation's
    }
    return registrar.register(instance);
  }

  public List<Registration> registerAll(List<ServiceInstance> instances) {
    Threads.refuseBlocking("Roster.registerAll()");
    checkOpen();
    if (!config.codec().canEncode() && !instances.isEmpty() && instances.get(0) != null) {
      encode(instances.get(0)); // the read-only codec's message, before validation's
    }
    return registrar.registerAll(instances);
  }

  /** Starts a health-checked registration; see {@code Roster.register(instance, check, policy)}. */
  public HealthCheckedRegistration register(ServiceInstance instance, HealthCheck check, HealthPolicy policy) {
    if (!config.codec().canEncode()) {
      encode(instance);
    }
    instance.validate();
    encode(instance); // the size check, before any thread starts
    synchronized (healthLock) {
      if (healthClosed) {
        throw new IllegalStateException("this Roster is closed");
      }
      if (health == null) {
        health = new HealthRunner(this);
      }
      return health.register(instance, check, policy);
    }
  }

  public ServiceView watch(String service) {
    checkOpen();
    Validation.readableName("service name", service);
    return new ViewHandle(this, views.acquire(service));
  }

  void release(SharedView view) {
    views.release(view);
  }

  /** The names of the services under the base path, sorted; one read. */
  public List<String> services() {
    Threads.refuseBlocking("Roster.services()");
    checkOpen();
    ZooKeeper zk = awaitConnected(config.operationTimeout()) ? zooKeeperOrNull() : null;
    if (zk == null) {
      throw new RosterException("ZooKeeper at " + config.connectString() + " is not reachable");
    }
    try {
      ZkOps.Children children = ZkOps.await(ZkOps.getChildren(zk, config.basePath()), config.operationTimeout());
      List<String> sorted = new ArrayList<>(children == null ? List.of() : children.names());
      sorted.sort(null);
      return List.copyOf(sorted);
    } catch (KeeperException e) {
      throw new RosterException("could not list " + config.basePath() + " at ZooKeeper "
          + config.connectString() + ": " + e.code(), e);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this Roster is closed");
    }
  }

  /**
   * Ends the session (every registration's node disappears at once) and stops all threads.
   * Listeners are told CLOSED before this returns, unless it is called from a listener.
   */
  @Override
  public void close() {
    Threads.refuseBlocking("Roster.close()");
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    HealthRunner h;
    synchronized (healthLock) {
      healthClosed = true;
      h = health;
    }
    if (h != null) {
      h.close(); // first, so no check re-registers anything while the session ends
    }
    registrar.closeAll(config.operationTimeout());
    views.close();
    connection.close();
    events.connectionStateChanged(ConnectionState.CLOSED);
    timer.close();
    workers.shutdown();
    try {
      workers.awaitTermination(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.shutdownNow();
    events.close(config.operationTimeout());
  }

  public boolean isClosed() {
    return closed.get();
  }
}
