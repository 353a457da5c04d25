package dev.roster;

import dev.roster.codec.InstanceCodec;
import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthPolicy;
import dev.roster.internal.Internals;
import dev.roster.internal.RosterConfig;
import dev.roster.internal.RosterCore;
import dev.roster.internal.Validation;
import java.time.Duration;
import java.util.Objects;

/**
 * A connection to a ZooKeeper ensemble through which a process registers its instances and
 * watches other services. The one front door of the library.
 *
 * <pre>{@code
 * try (Roster roster = Roster.builder().connectString("127.0.0.1:2181").build()) {
 *   Registration me = roster.register(ServiceInstance.builder("payments")
 *       .id("payments-1").address("10.0.0.5").port(8080).build());
 *   ServiceView view = roster.watch("payments");
 *   view.whenReady().join();
 *   ServiceInstance next = view.selector(Strategies.roundRobin()).pick();
 * }
 * }</pre>
 *
 * <p>Thread-safe. Holds one ZooKeeper session; {@link #close()} ends it, so every
 * registration disappears at once. No state is shared between two {@code Roster} objects.
 */
public final class Roster implements AutoCloseable {
  static {
    Internals.setAccess(roster -> roster.core);
  }

  private final RosterCore core;

  private Roster(RosterCore core) {
    this.core = core;
  }

  /**
   * Starts building a Roster.
   *
   * @return a builder with the defaults: {@code 127.0.0.1:2181}, base path {@code /services}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers an instance and returns once its node exists. The registration then maintains
   * itself: recreated after a session expiry, restored if deleted from outside, untouched by
   * connection blips.
   *
   * @param instance the instance to register; checked again here, whatever built it
   * @return the live registration; closing it removes the node
   * @throws IllegalArgumentException if a field is invalid or the instance serializes to more
   *     than {@link Builder#maxInstanceBytes} (nothing is sent)
   * @throws UnsupportedOperationException if this Roster's codec is read-only ({@link
   *     InstanceCodec#canEncode()}), such as {@link InstanceCodec#detecting()} (nothing is sent)
   * @throws IllegalStateException if this Roster already registers the same service and id
   * @throws RegistrationConflictException if another live session owns the instance's node
   * @throws RosterException if ZooKeeper did not accept it within the operation timeout
   */
  public Registration register(ServiceInstance instance) {
    Objects.requireNonNull(instance, "instance");
    return core.register(instance);
  }

  /**
   * Registers many instances at once, where {@link #register} would go one by one: every
   * create is sent before the first answer is awaited, so a batch costs about one round trip
   * to ZooKeeper instead of one per instance, with the same two requests per instance. Each
   * registration then maintains itself as one from {@link #register} does.
   *
   * <p>All or report: every instance is checked before anything is sent, so bad input
   * registers nothing. Then either all are registered and returned, in order, or a {@link
   * RegistrationBatchException} says which were not and why, and holds the ones that were,
   * which stay registered. The operation timeout bounds the whole batch.
   *
   * @param instances the instances to register, each checked before anything is sent
   * @return the registrations, in the order of {@code instances}
   * @throws IllegalArgumentException if any instance is invalid, too large, or appears twice
   *     (its position in the batch is named; nothing is sent)
   * @throws UnsupportedOperationException if this Roster's codec is read-only (nothing is sent)
   * @throws IllegalStateException if this Roster already registers one of the instances
   *     (nothing is sent)
   * @throws RegistrationBatchException if some instances could not be registered: another
   *     live session owns their node, or ZooKeeper did not accept them within the operation
   *     timeout
   */
  public java.util.List<Registration> registerAll(java.util.Collection<ServiceInstance> instances) {
    Objects.requireNonNull(instances, "instances");
    return core.registerAll(new java.util.ArrayList<>(instances));
  }

  /**
   * Registers an instance only while {@code check} passes, as Airbnb's Nerve does: the
   * instance is not in the registry until {@code rise} checks in a row have passed; after
   * {@code fall} failures in a row it is drained (status DRAINING) and then deregistered;
   * after {@code rise} passes it is registered again. Returns at once; the first check runs
   * immediately. Checks run on this Roster's own threads, never on ZooKeeper's, and stop
   * when the registration or this Roster is closed. See {@link HealthCheckedRegistration}.
   *
   * @param instance the instance to register while it is healthy
   * @param check how to tell whether the instance is healthy
   * @param policy how often to check, and how many passes or failures in a row change the state
   * @return the health-checked registration; closing it stops the checks and removes the node
   * @throws IllegalArgumentException if a field is invalid or the instance serializes to more
   *     than {@link Builder#maxInstanceBytes} (nothing is started)
   * @throws IllegalStateException if this Roster already health-checks the same service and
   *     id, or is closed
   */
  public HealthCheckedRegistration register(ServiceInstance instance, HealthCheck check, HealthPolicy policy) {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(check, "health check");
    Objects.requireNonNull(policy, "health policy");
    return core.register(instance, check, policy);
  }

  /**
   * A live view of one service. Views are shared per service name: every call returns a new
   * handle on the same view, and the watch ends when the last handle is closed.
   *
   * @param service the service name; any name ZooKeeper accepts as a path component, so
   *     services registered by other tools can be watched
   * @return a new handle on the service's view; close it when done
   */
  public ServiceView watch(String service) {
    return core.watch(service);
  }

  /**
   * The names of the services that have a node under the base path, sorted. One read,
   * bounded by the operation timeout; for a live view of one service use {@link #watch}.
   *
   * @return the service names, sorted; empty when there are none
   * @throws RosterException if ZooKeeper cannot be read in time
   */
  public java.util.List<String> services() {
    return core.services();
  }

  /**
   * True while connected to ZooKeeper.
   *
   * @return whether the session is connected now
   */
  public boolean isConnected() {
    return core.isConnected();
  }

  /**
   * The current ZooKeeper session id, for logs and diagnostics.
   *
   * @return the session id, or 0 before the first connection
   */
  public long sessionId() {
    return core.sessionId();
  }

  /**
   * The connect string this Roster uses.
   *
   * @return the connect string, as given to {@link Builder#connectString}
   */
  public String connectString() {
    return core.config().connectString();
  }

  /**
   * The base path under which services live.
   *
   * @return the base path, such as {@code /services}
   */
  public String basePath() {
    return core.config().basePath();
  }

  /** Ends the ZooKeeper session, removing every registration at once, and releases all views. Idempotent. */
  @Override
  public void close() {
    core.close();
  }

  @Override
  public String toString() {
    return "Roster[" + core.config().connectString() + core.config().basePath()
        + ", session 0x" + Long.toHexString(core.sessionId()) + (core.isClosed() ? ", closed" : "") + "]";
  }

  /** Configures and connects a {@link Roster}. Every setter checks its argument at once. */
  public static final class Builder {
    private String connectString = "127.0.0.1:2181";
    private String basePath = "/services";
    private Duration sessionTimeout = Duration.ofSeconds(10);
    private Duration connectionTimeout = Duration.ofSeconds(15);
    private Duration operationTimeout;
    private InstanceCodec codec = InstanceCodec.springCloud();
    private int maxInstanceBytes = Validation.DEFAULT_MAX_INSTANCE_BYTES;
    private RosterEventListener eventListener = RosterEventListener.NONE;
    private boolean failFast = true;
    private double massRemovalThreshold = 1.0;
    private Duration massRemovalConfirmation;
    private java.nio.file.Path snapshotDirectory;
    private java.util.concurrent.Executor eventExecutor;
    private dev.roster.security.Authentication authentication;
    private dev.roster.security.AclPolicy aclPolicy;
    private dev.roster.security.Tls tls;

    private Builder() {}

    /**
     * One server or a whole ensemble, {@code host:port[,host:port...]}; default {@code
     * 127.0.0.1:2181}.
     *
     * @param connectString the servers, comma-separated, without spaces
     * @return this builder
     */
    public Builder connectString(String connectString) {
      Objects.requireNonNull(connectString, "connect string");
      if (connectString.isBlank() || connectString.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("connect string " + Validation.quote(connectString)
            + ": must be host:port[,host:port...] without spaces");
      }
      this.connectString = connectString;
      return this;
    }

    /**
     * Where services live; default {@code /services}, as Spring Cloud Zookeeper uses.
     *
     * @param basePath the ZooKeeper path under which each service has its node
     * @return this builder
     */
    public Builder basePath(String basePath) {
      this.basePath = Validation.basePath(basePath);
      return this;
    }

    /**
     * The ZooKeeper session timeout; default 10 s. The server may adjust it to its bounds.
     *
     * @param timeout the session timeout to ask the server for
     * @return this builder
     */
    public Builder sessionTimeout(Duration timeout) {
      this.sessionTimeout = positive("session timeout", timeout);
      return this;
    }

    /**
     * How long {@link #build()} waits for the first connection; default 15 s.
     *
     * @param timeout how long to wait for the first connection
     * @return this builder
     */
    public Builder connectionTimeout(Duration timeout) {
      this.connectionTimeout = positive("connection timeout", timeout);
      return this;
    }

    /**
     * The bound on every blocking call ({@code register}, {@code update}, {@code close} of a
     * registration); default the connection timeout.
     *
     * @param timeout the bound on each blocking call
     * @return this builder
     */
    public Builder operationTimeout(Duration timeout) {
      this.operationTimeout = positive("operation timeout", timeout);
      return this;
    }

    /**
     * How instances are written and read; default {@link InstanceCodec#springCloud()}, whose
     * reader accepts every Curator JSON form. {@link InstanceCodec#raw()} with
     * {@link #basePath basePath("/")} watches the textbook layout ({@code watch("servers")}
     * lists {@code /servers}); {@link InstanceCodec#detecting()} reads every known format
     * per node but cannot register.
     *
     * @param codec the format of the instance nodes
     * @return this builder
     */
    public Builder codec(InstanceCodec codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /**
     * The largest serialized instance accepted; default 64 KiB, at most ZooKeeper's
     * {@code jute.maxbuffer} less 4 KiB.
     *
     * @param bytes the largest serialized instance, in bytes
     * @return this builder
     */
    public Builder maxInstanceBytes(int bytes) {
      this.maxInstanceBytes = Validation.maxInstanceBytes(bytes);
      return this;
    }

    /**
     * Observes connection, session, registration and read events, for metrics.
     *
     * @param listener the listener to notify
     * @return this builder
     */
    public Builder eventListener(RosterEventListener listener) {
      this.eventListener = Objects.requireNonNull(listener, "event listener");
      return this;
    }

    /**
     * Where listener callbacks run: the {@link RosterEventListener}, every {@link
     * ServiceListener}, health listeners and stages chained on {@link ServiceView#whenReady()}.
     * Default: one daemon thread of this Roster's own. With an executor of yours they still
     * run one at a time and in order (they are queued, and handed to it one by one); Roster
     * does not shut it down. See {@link RosterEventListener} for what a callback may do.
     *
     * @param executor the executor that runs the callbacks
     * @return this builder
     */
    public Builder eventExecutor(java.util.concurrent.Executor executor) {
      this.eventExecutor = Objects.requireNonNull(executor, "event executor");
      return this;
    }

    /**
     * Whether {@link #build()} fails when ZooKeeper cannot be reached within the connection
     * timeout; default true. With false, {@code build()} returns anyway and the Roster keeps
     * connecting in the background: views serve their {@link #snapshotDirectory local
     * snapshot}, marked stale, and registrations fail until the connection is made.
     *
     * @param failFast true to fail when ZooKeeper is unreachable, false to keep connecting
     * @return this builder
     */
    public Builder failFast(boolean failFast) {
      this.failFast = failFast;
      return this;
    }

    /**
     * Empty and mass-drop protection. After a connection problem a view re-reads its service;
     * if that read would remove at least this share of the instances it holds, the removal is
     * held, the view stays stale, and the service is read again after {@link
     * #massRemovalConfirmation} before anything is published. A real scale-down still
     * propagates, one confirmation later. Default 1.0: only a read that would empty the view
     * is held. Must be in (0, 1].
     *
     * @param share the share of a view's instances, in (0, 1], whose removal is held
     * @return this builder
     */
    public Builder massRemovalThreshold(double share) {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("mass removal threshold " + share + ": must be in (0, 1]");
      }
      this.massRemovalThreshold = share;
      return this;
    }

    /**
     * How long a held mass removal waits before it is confirmed; default the session timeout.
     *
     * @param wait how long to wait before reading the service again
     * @return this builder
     */
    public Builder massRemovalConfirmation(Duration wait) {
      this.massRemovalConfirmation = positive("mass removal confirmation", wait);
      return this;
    }

    /**
     * A directory where each view keeps its last list (written atomically, shortly after each
     * change). A view whose service has a snapshot there starts from it, marked stale, so a
     * client that starts while ZooKeeper is unreachable (see {@link #failFast}) still has
     * instances to call. A corrupt or foreign file is ignored with a warning.
     *
     * @param directory the directory for the snapshots
     * @return this builder
     */
    public Builder snapshotDirectory(java.nio.file.Path directory) {
      this.snapshotDirectory = Objects.requireNonNull(directory, "snapshot directory");
      return this;
    }

    /**
     * The identity this Roster's session authenticates as, for every new session (also after
     * an expiry). Without one the session is anonymous, unless a {@link #tls TLS} client
     * certificate identifies it.
     *
     * @param authentication the identity to authenticate as
     * @return this builder
     */
    public Builder authentication(dev.roster.security.Authentication authentication) {
      this.authentication = Objects.requireNonNull(authentication, "authentication");
      return this;
    }

    /**
     * The ACL on every node this Roster creates, and what it accepts of a service node it did
     * not create; default {@link dev.roster.security.AclPolicy#serviceOwned()} once this
     * Roster has an identity ({@link #authentication} or a TLS client certificate), {@link
     * dev.roster.security.AclPolicy#open()} without one.
     *
     * @param policy the ACL policy
     * @return this builder
     */
    public Builder aclPolicy(dev.roster.security.AclPolicy policy) {
      this.aclPolicy = Objects.requireNonNull(policy, "acl policy");
      return this;
    }

    /**
     * Connects over TLS only, with this configuration; see {@link dev.roster.security.Tls}.
     *
     * @param tls the TLS configuration
     * @return this builder
     */
    public Builder tls(dev.roster.security.Tls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Connects and returns the Roster.
     *
     * @return the connected Roster, or with {@link #failFast failFast(false)} one still connecting
     * @throws IllegalArgumentException if an owned {@link #aclPolicy} is asked for without an
     *     identity to own the nodes
     * @throws RosterException if no connection was made within the connection timeout (and
     *     {@link #failFast} is on); the message names the connect string
     */
    public Roster build() {
      boolean identified = authentication != null || (tls != null && tls.keyStore() != null);
      dev.roster.security.AclPolicy policy = aclPolicy != null ? aclPolicy
          : identified ? dev.roster.security.AclPolicy.serviceOwned() : dev.roster.security.AclPolicy.open();
      if (policy.owned() && !identified) {
        throw new IllegalArgumentException("acl policy " + policy.name()
            + ": needs an identity to own the nodes; set authentication(...) or a tls(...) key store");
      }
      RosterConfig config = new RosterConfig(connectString, basePath, sessionTimeout, connectionTimeout,
          operationTimeout != null ? operationTimeout : connectionTimeout, codec, maxInstanceBytes,
          eventListener, failFast, massRemovalThreshold,
          massRemovalConfirmation != null ? massRemovalConfirmation : sessionTimeout, snapshotDirectory,
          eventExecutor, authentication, policy, tls);
      RosterCore core = new RosterCore(config);
      core.start();
      return new Roster(core);
    }

    private static Duration positive(String field, Duration value) {
      Objects.requireNonNull(value, field);
      if (value.isNegative() || value.isZero() || value.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(field + " " + value + ": must be positive and under 24 days");
      }
      return value;
    }
  }
}
