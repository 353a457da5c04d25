package dev.roster.grpc;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.codec.InstanceCodec;
import dev.roster.internal.Validation;
import io.grpc.Attributes;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Resolves gRPC targets such as {@code roster:///payments} to the live, UP instances of a
 * Roster service, and keeps the channel's address list current as instances come, go and
 * change status.
 *
 * <pre>{@code
 * ManagedChannel channel = Grpc.newChannelBuilder("roster:///payments", InsecureChannelCredentials.create())
 *     .defaultLoadBalancingPolicy("round_robin")
 *     .build();
 * }</pre>
 *
 * <p>Registered through {@link java.util.ServiceLoader} ({@code
 * META-INF/services/io.grpc.NameResolverProvider}), so the {@code roster} scheme works with no
 * code. That provider takes its ZooKeeper connect string and base path from the system
 * properties {@value #CONNECT_STRING_PROPERTY} (default {@code 127.0.0.1:2181}) and
 * {@value #BASE_PATH_PROPERTY} (default {@code /services}), read when a channel resolves. To
 * configure one in code, or to share the {@link Roster} an application already has, register
 * your own with {@code NameResolverRegistry.getDefaultRegistry().register(...)}, built by
 * {@link #builder()} or {@link #forRoster(Roster)}.
 *
 * <p>Targets:
 *
 * <ul>
 *   <li>{@code roster:///payments}: service {@code payments} in the provider's ZooKeeper
 *       under its base path;
 *   <li>{@code roster:///team/services/payments}: base path {@code /team/services};
 *   <li>{@code roster://10.0.0.1:2181,10.0.0.2:2181/payments}: the given ensemble, whatever
 *       the provider's configuration.
 * </ul>
 *
 * <p>Each address group carries the instance's {@link #ZONE zone}, {@link #WEIGHT weight} and
 * the whole {@link #INSTANCE instance} as attributes, for load-balancing policies that use
 * them. Instances that are not UP, or have no address and port (raw nodes whose data is not
 * {@code host:port}), are left out; the plain port is used, or the TLS port when there is no
 * plain one.
 *
 * <p>Failures never surface as exceptions from the resolver: a ZooKeeper that cannot be
 * reached, or a service with no UP instance, is reported to the channel through the
 * listener, which retries with back-off. While ZooKeeper is unreachable the channel keeps the
 * last list (Roster's view does not empty on a connection problem) and is updated again
 * once the view has re-read. Only a malformed target is refused at once, with an {@link
 * IllegalArgumentException} when the channel is built, as gRPC's DNS resolver does.
 *
 * <p>Rosters the provider creates for itself (for every target unless built with {@link
 * #forRoster}, and for targets with an authority) read with {@link InstanceCodec#detecting()},
 * so a channel resolves Curator, Spring Cloud, ServerSet, Nerve and raw registrations alike.
 * They are shared by every channel with the same connect string and base path and closed
 * when the last such channel shuts down.
 */
public final class RosterNameResolverProvider extends NameResolverProvider {
  /** The target scheme: {@value}. */
  public static final String SCHEME = "roster";

  /** System property naming the ZooKeeper connect string of the ServiceLoader-made provider. */
  public static final String CONNECT_STRING_PROPERTY = "roster.grpc.connectString";

  /** System property naming the base path of the ServiceLoader-made provider. */
  public static final String BASE_PATH_PROPERTY = "roster.grpc.basePath";

  /** System property bounding how long the ServiceLoader-made provider waits for ZooKeeper (ISO-8601, e.g. PT5S). */
  public static final String CONNECTION_TIMEOUT_PROPERTY = "roster.grpc.connectionTimeout";

  /** The instance's availability zone; absent when the instance has none. */
  public static final Attributes.Key<String> ZONE = Attributes.Key.create("dev.roster.zone");

  /** The instance's weight, 0–1,000,000. */
  public static final Attributes.Key<Integer> WEIGHT = Attributes.Key.create("dev.roster.weight");

  /** The whole instance, for policies that need more (metadata, id). */
  public static final Attributes.Key<ServiceInstance> INSTANCE = Attributes.Key.create("dev.roster.instance");

  private static final String DEFAULT_CONNECT_STRING = "127.0.0.1:2181";
  private static final String DEFAULT_BASE_PATH = "/services";
  private static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicInteger PROVIDERS = new AtomicInteger();

  /* Null settings are read from the system properties at resolve time, so the provider that
   * ServiceLoader makes early in a JVM's life still sees properties set later. */
  private final @Nullable String connectString;
  private final @Nullable String basePath;
  private final @Nullable Duration connectionTimeout;
  private final @Nullable Roster roster;

  private final Object lock = new Object();
  private final Map<RosterKey, SharedRoster> shared = new HashMap<>(); // guarded by lock
  private final ExecutorService fallbackExecutor;

  /**
   * The provider that {@link java.util.ServiceLoader} makes: configured by the system
   * properties {@value #CONNECT_STRING_PROPERTY}, {@value #BASE_PATH_PROPERTY} and
   * {@value #CONNECTION_TIMEOUT_PROPERTY}.
   */
  public RosterNameResolverProvider() {
    this(null, null, null, null);
  }

  private RosterNameResolverProvider(@Nullable String connectString, @Nullable String basePath,
      @Nullable Duration connectionTimeout, @Nullable Roster roster) {
    this.connectString = connectString;
    this.basePath = basePath;
    this.connectionTimeout = connectionTimeout;
    this.roster = roster;
    int n = PROVIDERS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    // Only for channels that give the resolver no offload executor; idle threads end.
    this.fallbackExecutor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "roster-grpc-" + n + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * A provider that resolves {@code roster:///service} targets through {@code roster}, which
   * the caller created and closes; targets with an authority get a Roster of their own.
   * Target base paths must match the Roster's.
   *
   * @param roster the Roster to resolve through; it stays the caller's to close
   * @return a new provider sharing {@code roster}
   */
  public static RosterNameResolverProvider forRoster(Roster roster) {
    Objects.requireNonNull(roster, "roster");
    return new RosterNameResolverProvider(roster.connectString(), roster.basePath(), null, roster);
  }

  /**
   * Starts configuring a provider in code rather than with system properties.
   *
   * @return a builder with the defaults: {@code 127.0.0.1:2181}, {@code /services}, 10 s
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  /**
   * Below DNS's 5, so this provider never becomes the channel default for targets without a
   * scheme: it only ever answers for {@code roster:} targets.
   */
  @Override
  protected int priority() {
    return 4;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  /**
   * A resolver for {@code target}, or null when its scheme is not {@value #SCHEME}.
   *
   * @throws IllegalArgumentException if the target is malformed, or names a base path other
   *     than that of the Roster this provider was made {@link #forRoster for}
   */
  @Override
  public @Nullable NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!SCHEME.equals(target.getScheme())) {
      return null;
    }
    RosterTarget parsed = RosterTarget.parse(target);
    RosterSource source;
    if (roster != null && parsed.connectString() == null) {
      if (parsed.basePath() != null && !parsed.basePath().equals(roster.basePath())) {
        throw new IllegalArgumentException("target " + Validation.quote(target.toString()) + " names base path "
            + Validation.quote(parsed.basePath()) + " but this provider's Roster uses "
            + Validation.quote(roster.basePath()));
      }
      Roster own = roster;
      source = () -> new RosterSource.Lease(own, () -> { });
    } else {
      String cs = parsed.connectString() != null ? parsed.connectString() : connectString();
      String bp = parsed.basePath() != null ? parsed.basePath() : basePath();
      RosterKey key = new RosterKey(cs, bp, connectionTimeout());
      source = () -> acquire(key);
    }
    Executor offload = args.getOffloadExecutor() != null ? args.getOffloadExecutor() : fallbackExecutor;
    return new RosterNameResolver(parsed, source, args.getSynchronizationContext(), offload);
  }

  private String connectString() {
    return connectString != null ? connectString : System.getProperty(CONNECT_STRING_PROPERTY, DEFAULT_CONNECT_STRING);
  }

  private String basePath() {
    return basePath != null ? basePath : System.getProperty(BASE_PATH_PROPERTY, DEFAULT_BASE_PATH);
  }

  private Duration connectionTimeout() {
    if (connectionTimeout != null) {
      return connectionTimeout;
    }
    String text = System.getProperty(CONNECTION_TIMEOUT_PROPERTY);
    if (text == null) {
      return DEFAULT_CONNECTION_TIMEOUT;
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("system property " + CONNECTION_TIMEOUT_PROPERTY + " "
          + Validation.quote(text) + ": expected an ISO-8601 duration such as PT5S", e);
    }
  }

  /**
   * Takes a reference on the Roster for {@code key}, connecting one if there is none. Blocks
   * up to the connection timeout, so it runs on the offload executor, never on the channel's
   * synchronization context.
   *
   * @throws RuntimeException if no Roster could be built (unreachable ZooKeeper, bad setting)
   */
  private RosterSource.Lease acquire(RosterKey key) {
    synchronized (lock) {
      SharedRoster s = shared.get(key);
      if (s != null) {
        s.refs++;
        return lease(key, s);
      }
    }
    // Connected outside the lock: one unreachable ensemble must not hold up the others.
    Roster built = Roster.builder().connectString(key.connectString()).basePath(key.basePath())
        .connectionTimeout(key.connectionTimeout()).codec(InstanceCodec.detecting()).build();
    Roster surplus = null;
    SharedRoster s;
    synchronized (lock) {
      s = shared.get(key);
      if (s == null) {
        s = new SharedRoster(built);
        shared.put(key, s);
      } else {
        surplus = built; // another resolver connected first
      }
      s.refs++;
    }
    if (surplus != null) {
      surplus.close();
    }
    return lease(key, s);
  }

  private RosterSource.Lease lease(RosterKey key, SharedRoster s) {
    return new RosterSource.Lease(s.roster, () -> {
      boolean last;
      synchronized (lock) {
        last = --s.refs == 0 && shared.remove(key, s);
      }
      if (last) {
        s.roster.close();
      }
    });
  }

  /** How many Rosters this provider holds open for its resolvers; for tests. */
  int sharedRosters() {
    synchronized (lock) {
      return shared.size();
    }
  }

  @Override
  public String toString() {
    return "RosterNameResolverProvider[" + (roster != null ? roster.toString()
        : (connectString != null ? connectString : "${" + CONNECT_STRING_PROPERTY + "}")
            + (basePath != null ? basePath : "${" + BASE_PATH_PROPERTY + "}")) + "]";
  }

  private record RosterKey(String connectString, String basePath, Duration connectionTimeout) {}

  private static final class SharedRoster {
    final Roster roster;
    int refs; // guarded by the provider's lock

    SharedRoster(Roster roster) {
      this.roster = roster;
    }
  }

  /** Configures a {@link RosterNameResolverProvider} in code. Every setter checks its argument at once. */
  public static final class Builder {
    private String connectString = DEFAULT_CONNECT_STRING;
    private String basePath = DEFAULT_BASE_PATH;
    private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;

    private Builder() {}

    /**
     * The ZooKeeper ensemble for targets without an authority; default {@code 127.0.0.1:2181}.
     *
     * @param connectString the servers, comma-separated, without spaces
     * @return this builder
     */
    public Builder connectString(String connectString) {
      Roster.builder().connectString(connectString); // the same rules as Roster's
      this.connectString = connectString;
      return this;
    }

    /**
     * The base path for targets that name none; default {@code /services}.
     *
     * @param basePath the ZooKeeper path under which each service has its node
     * @return this builder
     */
    public Builder basePath(String basePath) {
      this.basePath = Validation.basePath(basePath);
      return this;
    }

    /**
     * How long a resolver waits for a first connection before reporting ZooKeeper
     * unreachable to its channel (which then retries); default 10 s.
     *
     * @param timeout how long to wait for a first connection
     * @return this builder
     */
    public Builder connectionTimeout(Duration timeout) {
      Roster.builder().connectionTimeout(timeout); // the same rules as Roster's
      this.connectionTimeout = timeout;
      return this;
    }

    /**
     * The provider; register it with {@code
     * NameResolverRegistry.getDefaultRegistry().register(...)}.
     *
     * @return a new provider with the settings made so far
     */
    public RosterNameResolverProvider build() {
      return new RosterNameResolverProvider(connectString, basePath, connectionTimeout, null);
    }
  }
}
