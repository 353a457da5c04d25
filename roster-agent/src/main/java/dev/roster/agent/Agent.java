package dev.roster.agent;

import dev.roster.Roster;
import dev.roster.metrics.RosterMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.jspecify.annotations.Nullable;

/**
 * The Roster agent: an HTTP server on Jetty 12 that lets any process register and discover
 * through a {@link Roster}, and serves the dashboard and Prometheus metrics.
 *
 * <pre>{@code
 * try (Agent agent = Agent.builder().connectString("127.0.0.1:2181").port(8700).start()) {
 *   System.out.println("agent at " + agent.uri());
 * }
 * }</pre>
 *
 * <p>Built either on a Roster of the caller's, which the agent uses and never closes, or on
 * a connect string, for which the agent builds a Roster of its own and closes it. What the
 * agent registers for HTTP clients lives on that Roster's session; {@link #close()}
 * deregisters it all.
 *
 * <p>Parked blocking queries and event streams hold no thread: they are completed later,
 * from the views' listeners, and every write is non-blocking.
 */
public final class Agent implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final Roster roster;
  private final boolean ownsRoster;
  private final AgentState state;
  private final PrometheusMeterRegistry registry;

  private Agent(Builder b) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    if (b.roster != null) {
      roster = b.roster;
      ownsRoster = false;
      // The caller's Roster has its own event listener (or none): the agent cannot see its
      // events, so of the library's meters only the connection is exported, read directly.
      Gauge.builder("roster.zk.connected", roster, r -> r.isConnected() ? 1 : 0)
          .description("1 while connected to ZooKeeper, else 0")
          .register(registry);
    } else {
      RosterMetrics metrics = new RosterMetrics();
      roster = Roster.builder()
          .connectString(Objects.requireNonNull(b.connectString, "connect string"))
          .eventListener(metrics)
          .failFast(false)
          .build();
      ownsRoster = true;
      metrics.bindTo(registry);
    }
    QueuedThreadPool threads = new QueuedThreadPool(b.maxThreads, 2);
    threads.setName("roster-agent");
    threads.setDaemon(true);
    server = new Server(threads);
    ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("roster-agent-scheduler", true);
    server.addBean(scheduler);
    connector = new ServerConnector(server, 1, 1);
    connector.setHost(b.host);
    connector.setPort(b.port);
    connector.setIdleTimeout(b.idleTimeoutMillis);
    HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
    if (http != null) {
      http.getHttpConfiguration().setSendServerVersion(false);
    }
    server.addConnector(connector);
    state = new AgentState(roster, registry, scheduler, b.keepAlive, b.ringSize, b.maxQueued, b.maxServices,
        b.serviceIdle);
    server.setHandler(new Routes(state));
    server.setErrorHandler(new JsonErrorHandler());
    server.setStopTimeout(2_000);
  }

  /** Starts building an agent. */
  public static Builder builder() {
    return new Builder();
  }

  /** Where the agent listens, such as {@code http://127.0.0.1:8700/}. */
  public URI uri() {
    String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + connector.getLocalPort() + "/");
  }

  /** The port the agent listens on: the one asked for, or the one picked for port 0. */
  public int port() {
    return connector.getLocalPort();
  }

  /** The Roster the agent works through. */
  public Roster roster() {
    return roster;
  }

  /**
   * Stops accepting requests, ends parked queries and event streams, deregisters every
   * instance registered through the agent, and closes the Roster if the agent built it.
   * Idempotent; never throws.
   */
  @Override
  public void close() {
    try {
      connector.close();
    } catch (RuntimeException e) {
      // Closing is best effort; the server stop below still runs.
    }
    state.close();
    try {
      server.stop();
    } catch (Exception e) {
      // Shutting down anyway; nothing useful to tell the caller.
    }
    if (ownsRoster) {
      roster.close();
    }
    registry.close();
  }

  @Override
  public String toString() {
    return "Agent[" + uri() + "]";
  }

  private void startServer() {
    try {
      server.start();
      state.start();
    } catch (Exception e) {
      close();
      throw new IllegalStateException("agent could not listen on " + connector.getHost() + ":"
          + connector.getPort() + ": " + e.getMessage(), e);
    }
  }

  /** Builds and starts an {@link Agent}. */
  public static final class Builder {
    private @Nullable Roster roster;
    private @Nullable String connectString;
    private String host = "127.0.0.1";
    private int port = 8700;
    private int maxThreads = 32;
    private Duration keepAlive = Duration.ofSeconds(15);
    private int ringSize = 1024;
    private int maxQueued = 1024;
    private long idleTimeoutMillis = 30_000;
    private int maxServices = 10_000;
    private Duration serviceIdle = Duration.ofMinutes(5);

    private Builder() {}

    /** Works through this Roster, which stays the caller's: the agent does not close it. */
    public Builder roster(Roster roster) {
      this.roster = Objects.requireNonNull(roster, "roster");
      this.connectString = null;
      return this;
    }

    /** Builds a Roster of the agent's own on this ensemble, closed with the agent. */
    public Builder connectString(String connectString) {
      this.connectString = Objects.requireNonNull(connectString, "connect string");
      this.roster = null;
      return this;
    }

    /** The address to bind; default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port to bind; default 8700, 0 picks a free one (see {@link Agent#port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + ": must be 0-65535");
      }
      this.port = port;
      return this;
    }

    /**
     * The most threads serving requests at once; default 32. Parked blocking queries and
     * event streams hold none.
     */
    public Builder maxThreads(int maxThreads) {
      if (maxThreads < 8) {
        throw new IllegalArgumentException("max threads " + maxThreads + ": must be at least 8");
      }
      this.maxThreads = maxThreads;
      return this;
    }

    /** How often an idle event stream gets a keep-alive comment; default 15 s. */
    public Builder keepAlive(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("keep alive " + interval + ": must be positive");
      }
      this.keepAlive = interval;
      return this;
    }

    /**
     * How many events a subscriber may have queued, unsent, before it is dropped as too slow;
     * default 1,024.
     */
    public Builder maxQueuedEvents(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("max queued events " + events + ": must be at least 1");
      }
      this.maxQueued = events;
      return this;
    }

    /**
     * How many recent events per service are kept for {@code Last-Event-ID} resumes; default
     * 1,024. A client further behind gets a snapshot instead.
     */
    public Builder eventHistory(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("event history " + events + ": must be at least 1");
      }
      this.ringSize = events;
      return this;
    }

    /**
     * The most services the agent keeps a view of at once; default 10,000. Any client can ask
     * about any name, so this bounds what the agent holds: at the limit, the least recently
     * used service that no parked query or event stream needs is let go to make room, and a
     * request for a new name is refused with 503 when every one is in use.
     */
    public Builder maxWatchedServices(int services) {
      if (services < 1) {
        throw new IllegalArgumentException("max watched services " + services + ": must be at least 1");
      }
      this.maxServices = services;
      return this;
    }

    /**
     * How long the agent keeps a view of a service nobody asks about and no parked query or
     * event stream needs; default 5 minutes. Its index goes on from where it was when it is
     * asked about again.
     */
    public Builder serviceIdleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("service idle timeout " + timeout + ": must be positive");
      }
      this.serviceIdle = timeout;
      return this;
    }

    /** Package-private: tests shorten Jetty's idle timeout to prove parked requests survive it. */
    Builder idleTimeout(Duration timeout) {
      this.idleTimeoutMillis = timeout.toMillis();
      return this;
    }

    /**
     * Starts the agent: builds its Roster if given a connect string (without waiting for
     * ZooKeeper: the agent answers 503 on {@code /health} until it connects), and listens.
     *
     * @throws IllegalStateException if the address cannot be bound
     */
    public Agent start() {
      if (roster == null && connectString == null) {
        throw new IllegalStateException("agent needs a roster or a connect string");
      }
      Agent agent = new Agent(this);
      agent.startServer();
      return agent;
    }
  }

}
