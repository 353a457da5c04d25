package dev.roster.agent.dns;

import dev.roster.ServiceInstance;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * The agent's DNS server, on UDP and TCP at one address and port. Not API: public only for
 * {@code dev.roster.agent.Agent}, which documents the behaviour ({@code Agent.Builder.dns}).
 *
 * <p>Built first, so that the agent's service states can build their {@link ServiceRecords} with
 * {@link #records}; then {@linkplain #start started} on the agent's {@link Catalog}.
 */
public final class DnsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
  private static final Pattern DOMAIN = Pattern.compile(
      "(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*");
  /** The longest the TTL may be. */
  public static final Duration MAX_TTL = Duration.ofHours(24);
  /** The highest per-source rate limit, in queries a second. */
  public static final int MAX_RATE = 10_000_000;

  /** The agent's watched services, as DNS asks for them. */
  public interface Catalog {
    /**
     * The service's state, opened if need be and marked as used, as an HTTP read does.
     *
     * @param service the service name, as asked for in the query
     * @return the service's state
     * @throws IllegalArgumentException for a name Roster cannot watch
     * @throws IllegalStateException when the agent watches all the services it may, each in use
     */
    Entry open(String service);
  }

  /** One watched service. */
  public interface Entry {
    /**
     * The records of the view's latest list, or null before its first complete read.
     *
     * @return the records, or null before the first complete read
     */
    @Nullable ServiceRecords dnsRecords();

    /**
     * Completes once {@link #dnsRecords()} is not null.
     *
     * @return a future completed once the records exist
     */
    CompletableFuture<?> whenReady();
  }

  private final Name domain;
  private final long ttl;
  private final DnsMeters meters;
  private final DnsHandler handler;
  private final ThreadPoolExecutor deferred;
  private final ExecutorService rebuilds;
  private @Nullable UdpServer udp;
  private @Nullable TcpServer tcp;

  private DnsServer(Name domain, long ttl, int rate, boolean limitLoopback, MeterRegistry registry) {
    this.domain = domain;
    this.ttl = ttl;
    this.meters = new DnsMeters(registry);
    this.deferred = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(DnsHandler.MAX_DEFERRED),
        r -> {
          Thread t = new Thread(r, "roster-dns-deferred");
          t.setDaemon(true);
          return t;
        });
    this.rebuilds = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "roster-dns-records");
      t.setDaemon(true);
      return t;
    });
    this.handler = new DnsHandler(domain, ttl, meters, new RateLimiter(rate, limitLoopback), deferred);
  }

  /**
   * A server for {@code domain} (checked with {@link #domain}), answering with this TTL, limiting
   * each source to {@code rate} queries a second (0: no limit), loopback too if {@code
   * limitLoopback}, counting in {@code registry}. Nothing is bound until {@link #start}.
   *
   * @param domain the domain to answer for, such as {@code roster}
   * @param ttl the TTL of every record
   * @param rate the most queries a second per source, or 0 for no limit
   * @param limitLoopback whether loopback sources are limited too
   * @param registry where the DNS meters are registered
   * @return the server, not yet bound
   */
  public static DnsServer create(String domain, Duration ttl, int rate, boolean limitLoopback,
      MeterRegistry registry) {
    try {
      return new DnsServer(Name.fromString(domain(domain) + "."), ttl(ttl).toSeconds(), rate(rate), limitLoopback,
          registry);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("dns domain '" + domain + "': " + e.getMessage(), e);
    }
  }

  /**
   * The domain in its usual form: lower case, no final dot.
   *
   * @param domain the domain, with or without a final dot, in any case
   * @return the domain, lower case, without a final dot
   * @throws IllegalArgumentException naming the field {@code dns domain} unless it is a domain
   *     name of letters, digits and hyphens, such as {@code roster} or {@code roster.example.com}
   */
  public static String domain(String domain) {
    String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    d = d.toLowerCase(Locale.ROOT);
    if (!DOMAIN.matcher(d).matches()) {
      throw new IllegalArgumentException("dns domain '" + escape(domain) + "': must be a domain name such as roster"
          + " or roster.example.com (labels of 1-63 letters, digits and inner hyphens, at most 253 characters)");
    }
    return d;
  }

  /**
   * The TTL, whole seconds (a fraction is dropped).
   *
   * @param ttl the TTL asked for
   * @return the TTL in whole seconds
   * @throws IllegalArgumentException naming {@code dns ttl} unless 0 to 24 hours
   */
  public static Duration ttl(Duration ttl) {
    if (ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("dns ttl " + ttl + ": must be 0 s to 24 h");
    }
    return Duration.ofSeconds(ttl.toSeconds());
  }

  /**
   * The per-source rate limit.
   *
   * @param queriesPerSecond the most queries a second per source, or 0 for no limit
   * @return {@code queriesPerSecond}, checked
   * @throws IllegalArgumentException naming {@code dns rate limit} unless 0 (none) to {@link #MAX_RATE}
   */
  public static int rate(int queriesPerSecond) {
    if (queriesPerSecond < 0 || queriesPerSecond > MAX_RATE) {
      throw new IllegalArgumentException("dns rate limit " + queriesPerSecond + ": must be 0 (no limit) to "
          + MAX_RATE + " queries a second");
    }
    return queriesPerSecond;
  }

  /**
   * The records of {@code service} for this list of its instances, built from each view change.
   *
   * @param service the service name
   * @param instances the service's instances, from its view
   * @return the records to answer with
   */
  public ServiceRecords records(String service, List<ServiceInstance> instances) {
    return ServiceRecords.build(handler.serviceDomain(), ttl, service, instances, meters);
  }

  /**
   * Runs a rebuild of one service's records on the server's own thread (one queued per service
   * at most: the caller coalesces). Dropped once the server is closed.
   *
   * @param task the rebuild to run
   */
  public void rebuild(Runnable task) {
    try {
      rebuilds.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("DNS records could not be rebuilt", e);
        }
      });
    } catch (RejectedExecutionException e) {
      // Closed: nobody asks any more.
    }
  }

  /**
   * Binds UDP and TCP at {@code address} (port 0: a free port, the same for both) and answers from
   * {@code catalog}.
   *
   * @param address the address to bind; port 0 picks a free one
   * @param catalog the watched services to answer from
   * @throws IllegalStateException if either cannot be bound
   */
  public synchronized void start(InetSocketAddress address, Catalog catalog) {
    handler.catalog(catalog);
    IOException last = null;
    // With port 0 the UDP port picked may be taken for TCP: pick again, a few times.
    for (int attempt = 0; attempt < (address.getPort() == 0 ? 10 : 1); attempt++) {
      UdpServer u = null;
      try {
        u = new UdpServer(address, handler, meters);
        TcpServer t = new TcpServer(new InetSocketAddress(address.getAddress(), u.address().getPort()), handler, meters);
        udp = u;
        tcp = t;
        u.start();
        t.start();
        return;
      } catch (BindException e) {
        last = e;
        if (u != null) {
          u.close();
        }
      } catch (IOException e) {
        last = e;
        if (u != null) {
          u.close();
        }
        break;
      }
    }
    throw new IllegalStateException("dns could not listen on " + address + ": " + (last == null ? "" : last.getMessage()),
        last);
  }

  /**
   * Where it listens, the port picked if it was 0; null before {@link #start}.
   *
   * @return the bound address, or null before {@link #start}
   */
  public synchronized @Nullable InetSocketAddress address() {
    UdpServer u = udp;
    return u == null ? null : u.address();
  }

  /**
   * The domain it serves, absolute ({@code roster.}).
   *
   * @return the absolute domain name
   */
  public String domainName() {
    return domain.toString();
  }

  /** Stops listening on both transports. Idempotent. */
  @Override
  public synchronized void close() {
    if (udp != null) {
      udp.close();
    }
    if (tcp != null) {
      tcp.close();
    }
    deferred.shutdownNow();
    rebuilds.shutdownNow();
  }

  /** For the fuzz target and tests: one packet through the handler, as if from {@code source}. */
  byte @Nullable [] handleNow(byte[] packet, java.net.InetAddress source, boolean overTcp) {
    return handler.handleNow(packet, source, overTcp);
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c > 0x7e) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
