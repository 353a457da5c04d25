package dev.roster.agent;

import dev.roster.Roster;
import dev.roster.agent.dns.DnsServer;
import dev.roster.metrics.RosterMetrics;
import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import dev.roster.security.Tls;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <h2>DNS</h2>
 *
 * <p>With {@link Builder#dns(InetSocketAddress)} the agent also answers DNS, on UDP and TCP at one
 * address, so that any program finds a service with an ordinary lookup ({@code dig @127.0.0.1 -p
 * 8600 payments.service.roster SRV}). It answers from the same live views as the HTTP API, under
 * the same {@linkplain Builder#maxWatchedServices bound}, never with a ZooKeeper read per query;
 * a stale view answers from what it holds. The names, under the {@linkplain Builder#dnsDomain
 * domain} D ({@code roster.} by default):
 *
 * <ul>
 *   <li>{@code <service>.service.D}: A and AAAA, the addresses of the service's UP instances
 *       (IPv4 as A, IPv6 as AAAA), shuffled for each query; SRV (RFC 2782), one per UP instance:
 *       priority 1, the instance's weight clamped to 0-65,535, its port, and the target {@code
 *       <id>.<service>.service.D}, whose address is in the additional section while it fits.
 *   <li>{@code _<service>._tcp.service.D}: the same SRV records.
 *   <li>{@code <id>.<service>.service.D}: A or AAAA, that instance's address while it is UP.
 *   <li>{@code <zone>.zone.<service>.service.D}: A, AAAA and SRV of the UP instances in that zone.
 *   <li>{@code D}: its SOA.
 * </ul>
 *
 * <p>D and the fixed labels ({@code service}, {@code zone}, {@code _tcp}) match in any case; a
 * service name, an id and a zone match as sent, since Roster's names are case-sensitive. A service
 * name with a dot in it is one label, asked for with the dot escaped ({@code a\.b.service.D}).
 * Every record has the {@linkplain Builder#dnsTtl TTL} (0 s by default, as Consul's).
 *
 * <ul>
 *   <li>A service whose view holds no instance in any status is NXDOMAIN, as is an unknown id; a
 *       known service with nothing UP, a zone with nothing UP, or a name with no record of the
 *       type asked is NOERROR with no answer. Every negative answer has D's SOA in its authority
 *       section, its minimum the TTL. Answers are authoritative (AA), never recursive (RA clear).
 *   <li>Instances whose address is a hostname are not resolved: the agent is not a resolver,
 *       and its answer would outlive the hostname's own TTL. They are left out of A and AAAA, and
 *       their SRV target is the hostname itself, with no additional record. An id longer than 63
 *       bytes cannot be one label and is left out of SRV. Both are counted in {@code
 *       roster_agent_dns_unanswerable_total{reason}} each time the service's answers are rebuilt.
 *   <li>The first question about a service the agent does not watch yet opens its view and is
 *       answered once the view has read ZooKeeper, without holding up other questions; if that
 *       takes over a second, SERVFAIL.
 *   <li>Names outside D are REFUSED: the agent is not an open resolver, and never recurses or
 *       forwards. An opcode other than QUERY is NOTIMP; a packet with QR set, or shorter than a
 *       header, is dropped; anything else that does not parse, or has other than one question, is
 *       FORMERR with the request's id.
 *   <li>Over UDP a reply is at most 512 bytes, or the payload size of the query's EDNS0 OPT
 *       (clamped to 512-4,096), and gets an OPT itself; EDNS version above 0 is BADVERS. A reply
 *       that does not fit has as many answers as fit and TC set, so the client retries over TCP,
 *       where it may be 65,535 bytes; if even that does not hold every answer (SRV for some 2,000
 *       instances), it holds a random subset that fits, without TC, as Consul does.
 *   <li>TCP connections carry any number of queries, at most 64 connections at once, each closed
 *       after 5 s without a whole query.
 *   <li>Each source address may send {@linkplain Builder#dnsRateLimit 5,000 queries a second} (as
 *       a burst too); over UDP, queries beyond it are dropped, unanswered, so that a spoofed source
 *       cannot aim the agent's replies at someone; over TCP they are REFUSED. Loopback sources are
 *       not limited: a local resolver (systemd-resolved, dnsmasq) forwards every application's
 *       queries from 127.0.0.1.
 *   <li>{@code roster_agent_dns_queries_total{type,rcode}} counts answers ({@code type} one of A,
 *       AAAA, SRV, SOA, ANY, OTHER), {@code roster_agent_dns_dropped_total{reason}} packets not
 *       answered.
 * </ul>
 *
 * <h2>Security</h2>
 *
 * <ul>
 *   <li>It binds {@code 127.0.0.1} unless told otherwise, and refuses to {@linkplain
 *       Builder#start() start} on any other address without a {@linkplain Builder#writeToken
 *       write token}, unless {@linkplain Builder#insecure(boolean) told it is insecure on
 *       purpose}, and then it logs a warning at every start.
 *   <li>With a write token, {@code PUT} and {@code DELETE} need {@code Authorization: Bearer
 *       <token>}; with a {@linkplain Builder#readToken read token} too, reads need one of the two
 *       (the API, event streams, {@code /metrics}). {@code /health} stays open for load
 *       balancers' and orchestrators' probes (it then tells only the state, not the connect
 *       string), and so do the dashboard's own files, which hold no data: the dashboard asks
 *       for the token and sends it as a header. A token is never accepted in a URL.
 *   <li>No CORS headers unless {@linkplain Builder#corsOrigin origins are named}.
 *   <li>Bodies at most 64 KiB (413; a refused request's body up to 1 MiB is read to its end
 *       and dropped first, so the answer arrives and the connection stays usable), request heads at most 8 KiB (431, 414 for the URI), and a
 *       request must arrive whole within the {@linkplain Builder#requestTimeout request
 *       timeout} of its first byte, or its connection is closed.
 *   <li>It never runs a command: there are no script or executable checks over HTTP, only TTL
 *       heartbeats.
 * </ul>
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  /** The most bytes of a request's line and headers. */
  static final int MAX_REQUEST_HEAD = 8 * 1024;

  private final Server server;
  private final ServerConnector connector;
  private final Roster roster;
  private final boolean ownsRoster;
  private final AgentState state;
  private final PrometheusMeterRegistry registry;
  private final Access access;
  private final SlowRequests slowRequests;
  private final @Nullable DnsServer dns;
  private final @Nullable InetSocketAddress dnsBind;

  private Agent(Builder b, Access access) {
    this.access = access;
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    dnsBind = b.dns;
    dns = b.dns == null ? null : DnsServer.create(b.dnsDomain, b.dnsTtl, b.dnsRate, b.dnsLimitLoopback, registry);
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
      Roster.Builder rb = Roster.builder()
          .connectString(Objects.requireNonNull(b.connectString, "connect string"))
          .eventListener(metrics)
          .failFast(false);
      if (b.authentication != null) {
        rb.authentication(b.authentication);
      }
      if (b.aclPolicy != null) {
        rb.aclPolicy(b.aclPolicy);
      }
      if (b.tls != null) {
        rb.tls(b.tls);
      }
      roster = rb.build();
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
      HttpConfiguration config = http.getHttpConfiguration();
      config.setSendServerVersion(false);
      // The request line counts too: a longer URI is 414, longer headers 431.
      config.setRequestHeaderSize(MAX_REQUEST_HEAD);
    }
    server.addConnector(connector);
    slowRequests = new SlowRequests(connector, scheduler, b.requestTimeout);
    state = new AgentState(roster, registry, scheduler, b.keepAlive, b.ringSize, b.maxQueued, b.maxServices,
        b.serviceIdle, dns);
    server.setHandler(new Routes(state, access, Cors.of(b.corsOrigins)));
    server.setErrorHandler(new JsonErrorHandler());
    server.setStopTimeout(2_000);
  }

  /**
   * Starts building an agent.
   *
   * @return a builder with the defaults: {@code 127.0.0.1:8700}, no token, no DNS
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Where the agent listens, such as {@code http://127.0.0.1:8700/}.
   *
   * @return the agent's base URI
   */
  public URI uri() {
    String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + connector.getLocalPort() + "/");
  }

  /**
   * The port the agent listens on: the one asked for, or the one picked for port 0.
   *
   * @return the bound port
   */
  public int port() {
    return connector.getLocalPort();
  }

  /**
   * Where the agent answers DNS, on UDP and TCP, with the port picked if it was 0; null if it
   * serves no DNS (the default).
   *
   * @return the DNS address, or null without DNS
   */
  public @Nullable InetSocketAddress dnsAddress() {
    return dns == null ? null : dns.address();
  }

  /**
   * The Roster the agent works through.
   *
   * @return the Roster, the caller's or the agent's own
   */
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
    if (dns != null) {
      dns.close();
    }
    slowRequests.stop();
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
    return "Agent[" + uri() + ", " + access + "]";
  }

  private void startServer() {
    try {
      server.start();
      state.start();
      slowRequests.start();
      if (dns != null && dnsBind != null) {
        dns.start(dnsBind, state.dnsCatalog());
      }
    } catch (Exception e) {
      close();
      if (e instanceof IllegalStateException && e.getMessage() != null && e.getMessage().startsWith("dns ")) {
        throw (IllegalStateException) e;
      }
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
    private Duration requestTimeout = Duration.ofSeconds(10);
    private byte @Nullable [] writeDigest;
    private byte @Nullable [] readDigest;
    private boolean insecure;
    private final Set<String> corsOrigins = new LinkedHashSet<>();
    private @Nullable Authentication authentication;
    private @Nullable AclPolicy aclPolicy;
    private @Nullable Tls tls;
    private @Nullable InetSocketAddress dns;
    private String dnsDomain = "roster";
    private Duration dnsTtl = Duration.ZERO;
    private int dnsRate = 5_000;
    private boolean dnsLimitLoopback;

    private Builder() {}

    /**
     * Works through this Roster, which stays the caller's: the agent does not close it.
     *
     * @param roster the Roster to work through
     * @return this builder
     */
    public Builder roster(Roster roster) {
      this.roster = Objects.requireNonNull(roster, "roster");
      this.connectString = null;
      return this;
    }

    /**
     * Builds a Roster of the agent's own on this ensemble, closed with the agent.
     *
     * @param connectString the servers, comma-separated, without spaces
     * @return this builder
     */
    public Builder connectString(String connectString) {
      this.connectString = Objects.requireNonNull(connectString, "connect string");
      this.roster = null;
      return this;
    }

    /**
     * The address to bind; default {@code 127.0.0.1}. Any address that is not loopback needs a
     * {@link #writeToken} or {@link #insecure(boolean) insecure(true)}.
     *
     * @param host the address to bind, such as {@code 127.0.0.1} or {@code 0.0.0.0}
     * @return this builder
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /**
     * The port to bind; default 8700, 0 picks a free one (see {@link Agent#port()}).
     *
     * @param port the port to bind, 0–65535
     * @return this builder
     */
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
     *
     * @param maxThreads the most request threads, at least 8
     * @return this builder
     */
    public Builder maxThreads(int maxThreads) {
      if (maxThreads < 8) {
        throw new IllegalArgumentException("max threads " + maxThreads + ": must be at least 8");
      }
      this.maxThreads = maxThreads;
      return this;
    }

    /**
     * How often an idle event stream gets a keep-alive comment; default 15 s.
     *
     * @param interval the keep-alive interval; positive
     * @return this builder
     */
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
     *
     * @param events the most events queued per subscriber; at least 1
     * @return this builder
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
     *
     * @param events the number of events kept per service; at least 1
     * @return this builder
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
     *
     * @param services the most services with a view at once; at least 1
     * @return this builder
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
     *
     * @param timeout how long an unused view is kept; positive
     * @return this builder
     */
    public Builder serviceIdleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("service idle timeout " + timeout + ": must be positive");
      }
      this.serviceIdle = timeout;
      return this;
    }

    /**
     * The token that writes ({@code PUT}, {@code DELETE}) must present as {@code Authorization:
     * Bearer <token>}; without one, writes are open to whoever reaches the agent. 16 to 4,096
     * characters of a bearer token's alphabet (letters, digits, {@code - . _ ~ + /}, then any
     * {@code =}), such as {@code openssl rand -hex 32} gives. Read it with {@link
     * dev.roster.security.Secrets#fromFile}. Only its SHA-256 is kept; the caller's array is left
     * as it is, to wipe. The write token is accepted for reads too. None by default, and none
     * is ever generated.
     *
     * @param token the write token; the caller's array is not kept
     * @return this builder
     * @throws IllegalArgumentException if it is not a bearer token of that length (the message
     *     never shows it)
     */
    public Builder writeToken(char[] token) {
      this.writeDigest = Access.digest("write token", Objects.requireNonNull(token, "write token"));
      return this;
    }

    /**
     * A second token, which reads ({@code GET} of the API and its event streams, {@code
     * /metrics}) must present, unless they present the write token; it cannot write. Needs a
     * {@link #writeToken}, and must differ from it. {@code /health} and the dashboard's files
     * stay open. Same form as the write token.
     *
     * @param token the read token; the caller's array is not kept
     * @return this builder
     * @throws IllegalArgumentException if it is not a bearer token of that length
     */
    public Builder readToken(char[] token) {
      this.readDigest = Access.digest("read token", Objects.requireNonNull(token, "read token"));
      return this;
    }

    /**
     * Allows a {@link #host} beyond loopback without a {@link #writeToken}, where anyone who
     * reaches the agent can register and remove instances; default false. The agent then logs a
     * warning at every start. For a trusted network only.
     *
     * @param insecure true to allow writes without a token beyond loopback
     * @return this builder
     */
    public Builder insecure(boolean insecure) {
      this.insecure = insecure;
      return this;
    }

    /**
     * Lets pages from this origin ({@code scheme://host[:port]}) call the agent from a browser:
     * their requests get {@code Access-Control-Allow-Origin} and their preflights are
     * answered. Call once per origin. Without any, no CORS header is ever sent.
     *
     * @param origin the origin to allow, such as {@code https://dashboard.example.com}
     * @return this builder
     * @throws IllegalArgumentException if it is not an origin, or is {@code *}
     */
    public Builder corsOrigin(String origin) {
      corsOrigins.add(Cors.origin(Objects.requireNonNull(origin, "cors origin")));
      return this;
    }

    /**
     * How long a client may take to send one request, head and body, from its first byte;
     * default 10 s. A slower one has its connection closed (a slowloris defence). It does not
     * bound responses: a blocking query or an event stream lasts as long as it needs.
     *
     * @param timeout the longest a client may take to send one request; positive
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("request timeout " + timeout + ": must be positive");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * The identity the agent's own Roster authenticates as (with a {@link #connectString}):
     * what it registers for HTTP clients, TTL registrations included, is owned by it.
     *
     * @param authentication the identity to authenticate as
     * @return this builder
     */
    public Builder authentication(Authentication authentication) {
      this.authentication = Objects.requireNonNull(authentication, "authentication");
      return this;
    }

    /**
     * The ACL policy of the agent's own Roster (with a {@link #connectString}); see Roster.Builder.
     *
     * @param policy the ACL policy
     * @return this builder
     */
    public Builder aclPolicy(AclPolicy policy) {
      this.aclPolicy = Objects.requireNonNull(policy, "acl policy");
      return this;
    }

    /**
     * TLS to ZooKeeper for the agent's own Roster (with a {@link #connectString}).
     *
     * @param tls the TLS configuration
     * @return this builder
     */
    public Builder tls(Tls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Serves DNS on UDP and TCP at this address (see the class comment for what it answers); port
     * 0 picks a free one, the same for both (see {@link Agent#dnsAddress()}). Default, and with
     * null: no DNS. DNS has no token: anyone who reaches the address can read every service's
     * addresses, so keep it on loopback (and point the local resolver at it) unless the network
     * is trusted; the agent warns at start when it is not loopback.
     *
     * @param address the DNS address, such as {@code 127.0.0.1:8600}, or null for no DNS
     * @return this builder
     * @throws IllegalArgumentException if the address is unresolved
     */
    public Builder dns(@Nullable InetSocketAddress address) {
      if (address != null && address.isUnresolved()) {
        throw new IllegalArgumentException("dns address " + address + ": must be resolved, such as 127.0.0.1:8600");
      }
      this.dns = address;
      return this;
    }

    /**
     * The DNS domain D the agent answers for, such as {@code roster} (the default, meaning {@code
     * roster.}) or {@code roster.example.com}; matched in any case. Names outside it are REFUSED.
     *
     * @param domain the DNS domain
     * @return this builder
     * @throws IllegalArgumentException naming the field {@code dns domain} unless a domain name of
     *     letters, digits and hyphens
     */
    public Builder dnsDomain(String domain) {
      this.dnsDomain = DnsServer.domain(Objects.requireNonNull(domain, "dns domain"));
      return this;
    }

    /**
     * The TTL of every DNS record the agent sends, and the negative-caching time in its SOA;
     * default 0 s (as Consul), so resolvers ask again each time and see changes at once. Whole
     * seconds, a fraction dropped.
     *
     * @param ttl the record TTL
     * @return this builder
     * @throws IllegalArgumentException naming {@code dns ttl} unless 0 s to 24 h
     */
    public Builder dnsTtl(Duration ttl) {
      this.dnsTtl = DnsServer.ttl(Objects.requireNonNull(ttl, "dns ttl"));
      return this;
    }

    /**
     * The most DNS queries a second one source address may send, as a token bucket whose burst
     * is as large; default 5,000, 0 for no limit. Over UDP the rest are dropped unanswered (so the
     * agent cannot be used to reflect traffic at a spoofed address), over TCP they are REFUSED.
     * Loopback sources are exempt: a local resolver forwards every application's queries from
     * 127.0.0.1. At most 65,536 sources are tracked; beyond, new ones share one bucket.
     *
     * @param queriesPerSecond the most queries a second per source, or 0 for no limit
     * @return this builder
     * @throws IllegalArgumentException naming {@code dns rate limit} unless 0 to 10,000,000
     */
    public Builder dnsRateLimit(int queriesPerSecond) {
      this.dnsRate = DnsServer.rate(queriesPerSecond);
      return this;
    }

    /** Package-private: tests, all on loopback, limit loopback too to see the limit work. */
    Builder dnsRateLimitLoopback(boolean limit) {
      this.dnsLimitLoopback = limit;
      return this;
    }

    /** Package-private: tests shorten Jetty's idle timeout to prove parked requests survive it. */
    Builder idleTimeout(Duration timeout) {
      this.idleTimeoutMillis = timeout.toMillis();
      return this;
    }

    /**
     * Checks the security settings as {@link #start()} does, without starting anything: a
     * program can refuse a bad configuration before it starts anything else.
     *
     * @return this builder
     * @throws IllegalArgumentException if the {@link #host} is not loopback and there is
     *     neither a {@link #writeToken} nor {@link #insecure(boolean) insecure(true)}; if there is
     *     a read token without a write token, or the same token for both
     */
    public Builder check() {
      Access access = Access.of(writeDigest, readDigest);
      if (!access.protectsWrites() && !insecure && !isLoopback(host)) {
        throw new IllegalArgumentException(refusal(host));
      }
      return this;
    }

    /**
     * Starts the agent: {@linkplain #check() checks} its settings, builds its Roster if given a
     * connect string (without waiting for ZooKeeper: the agent answers 503 on {@code /health}
     * until it connects), and listens.
     *
     * @return the running agent; close it to stop it
     * @throws IllegalArgumentException before anything starts, as {@link #check()} does
     * @throws IllegalStateException if there is neither a Roster nor a connect string, if
     *     identity or TLS settings come with the caller's Roster, or if the address cannot be
     *     bound
     */
    public Agent start() {
      check();
      if (roster == null && connectString == null) {
        throw new IllegalStateException("agent needs a roster or a connect string");
      }
      if (roster != null && (authentication != null || aclPolicy != null || tls != null)) {
        throw new IllegalStateException("authentication, acl policy and tls are for the agent's own Roster"
            + " (a connect string); the caller's Roster has its own");
      }
      Access access = Access.of(writeDigest, readDigest);
      Agent agent = new Agent(this, access);
      agent.startServer();
      if (!access.protectsWrites() && !isLoopback(host)) {
        log.warn("the agent at {} has no write token and listens beyond loopback: anyone who reaches it can"
            + " register and remove instances (insecure mode)", agent.uri());
      } else {
        log.info("the agent listens at {} ({})", agent.uri(), access);
      }
      InetSocketAddress dnsAt = agent.dnsAddress();
      if (dnsAt != null) {
        if (!dnsAt.getAddress().isLoopbackAddress()) {
          log.warn("the agent answers DNS at {}, beyond loopback: DNS has no token, so anyone who reaches it reads"
              + " every service's addresses", dnsAt);
        } else {
          log.info("the agent answers DNS at {} for {}", dnsAt, dnsDomain);
        }
      }
      return agent;
    }

    /** Why a host beyond loopback without a token is refused, naming both ways out. */
    static String refusal(String host) {
      return "the agent would listen on " + host + ", beyond loopback, with no token: anyone who can reach it"
          + " could register fake instances and remove real ones. Set a write token (writeToken(...), roster up"
          + " --token-file FILE) or, on a trusted network only, allow it (insecure(true), roster up"
          + " --insecure-http)";
    }

    /** Whether every address the host names is a loopback one; unknown hosts are not. */
    static boolean isLoopback(String host) {
      if (host.isBlank()) {
        // Jetty binds every interface for an empty host.
        return false;
      }
      try {
        InetAddress[] all = InetAddress.getAllByName(host);
        return all.length > 0 && Arrays.stream(all).allMatch(InetAddress::isLoopbackAddress);
      } catch (UnknownHostException e) {
        return false;
      }
    }
  }

}
