package dev.roster.spring.boot;

import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.ServiceView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Roster views behind Spring Cloud's discovery API: one per service, opened on first use
 * and kept until the context closes, shared by the {@link RosterDiscoveryClient}, the {@link
 * RosterReactiveDiscoveryClient}, the load balancer's {@link RosterServiceInstanceListSupplier}
 * and the health indicator, which reports the ones that are stale.
 *
 * <p>Answers never read ZooKeeper: {@link #instances} maps a view's snapshot to Spring's type
 * once per change of the view (the mapped list is kept beside the snapshot it came from), so
 * a call costs a map lookup and a comparison. The first call for a service waits up to the
 * ready timeout for the view's first read; later calls never wait.
 *
 * <p>{@link #services()} is the one answer that needs ZooKeeper, since Roster watches services,
 * not the base path: it is cached for a short TTL, so however many callers ask, ZooKeeper sees
 * one {@code getChildren} per TTL, and when ZooKeeper cannot be read the last list is served.
 */
public final class RosterServiceViews implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RosterServiceViews.class);

  private final Roster roster;
  private final Duration readyTimeout;
  private final long servicesTtlNanos;
  private final boolean onlyUp;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile ServicesCache services = new ServicesCache(List.of(), Long.MIN_VALUE);
  private volatile boolean closed;

  /**
   * Views on {@code roster}'s services, opened as they are first asked for.
   *
   * @param roster the Roster to open views on; closing this object does not close it
   * @param readyTimeout how long the first use of a service waits for its view's first read
   * @param servicesTtl how long a list of service names is reused
   * @param onlyUp whether answers leave out instances that are not UP
   */
  public RosterServiceViews(Roster roster, Duration readyTimeout, Duration servicesTtl, boolean onlyUp) {
    this.roster = roster;
    this.readyTimeout = readyTimeout;
    this.servicesTtlNanos = servicesTtl.toNanos();
    this.onlyUp = onlyUp;
  }

  /**
   * The Roster the views come from.
   *
   * @return the Roster
   */
  public Roster roster() {
    return roster;
  }

  /**
   * Whether answers leave out instances that are not UP.
   *
   * @return whether non-UP instances are left out
   */
  public boolean onlyUp() {
    return onlyUp;
  }

  /**
   * The instances of {@code service} in Spring's type (UP ones only, unless configured
   * otherwise), an immutable list. Waits for the view's first read on first use only, up to
   * the ready timeout, and then answers with what the view has (possibly nothing yet).
   *
   * @param service the service name
   * @return the instances, possibly none
   */
  public List<org.springframework.cloud.client.ServiceInstance> instances(String service) {
    Entry entry = entry(service);
    if (!entry.ready) {
      awaitReady(entry);
    }
    return entry.mapped();
  }

  /**
   * Completes once {@code service}'s view has had its first read (or the ready timeout
   * passed), without blocking the caller; for reactive callers.
   *
   * @param service the service name
   * @return a future of the instances, as {@link #instances} would answer once ready
   */
  public CompletableFuture<List<org.springframework.cloud.client.ServiceInstance>> instancesWhenReady(String service) {
    Entry entry = entry(service);
    if (entry.ready) {
      return CompletableFuture.completedFuture(entry.mapped());
    }
    return entry.view.whenReady()
        .orTimeout(readyTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((view, failure) -> {
          entry.ready = true;
          return entry.mapped();
        });
  }

  /**
   * The shared view of {@code service}, opened if needed; do not close it, the context does.
   *
   * @param service the service name
   * @return the shared view
   */
  public ServiceView view(String service) {
    return entry(service).view;
  }

  /**
   * Maps a list of Roster instances to Spring's type, leaving out non-UP ones if configured.
   *
   * @param instances the Roster instances to map
   * @return the mapped instances, immutable
   */
  public List<org.springframework.cloud.client.ServiceInstance> map(List<dev.roster.ServiceInstance> instances) {
    List<org.springframework.cloud.client.ServiceInstance> mapped = new ArrayList<>(instances.size());
    for (dev.roster.ServiceInstance instance : instances) {
      if (!onlyUp || instance.isUp()) {
        mapped.add(new RosterServiceInstance(instance));
      }
    }
    return List.copyOf(mapped);
  }

  /**
   * The names of the services under the base path, sorted, read from ZooKeeper at most once
   * per TTL; the last list read while ZooKeeper cannot be read.
   *
   * @return the service names, sorted; empty until a first read succeeded
   */
  public List<String> services() {
    ServicesCache cached = services;
    long now = System.nanoTime();
    if (cached.readAt != Long.MIN_VALUE && now - cached.readAt < servicesTtlNanos) {
      return cached.names;
    }
    synchronized (this) {
      cached = services;
      if (cached.readAt != Long.MIN_VALUE && System.nanoTime() - cached.readAt < servicesTtlNanos) {
        return cached.names;
      }
      try {
        List<String> names = List.copyOf(roster.services());
        services = new ServicesCache(names, System.nanoTime());
        return names;
      } catch (RosterException e) {
        log.debug("Service names could not be read; serving the last list: {}", e.getMessage());
        return cached.names;
      }
    }
  }

  /**
   * The services whose view is stale now: not yet read, or ZooKeeper unreachable.
   *
   * @return the stale services' names, sorted
   */
  public List<String> staleViews() {
    List<String> stale = new ArrayList<>();
    for (Entry entry : entries.values()) {
      if (entry.view.isStale()) {
        stale.add(entry.view.service());
      }
    }
    stale.sort(null);
    return stale;
  }

  /**
   * How many services have a view open.
   *
   * @return the number of open views
   */
  public int openViews() {
    return entries.size();
  }

  /** Closes every view. */
  @Override
  public void close() {
    closed = true;
    for (Entry entry : entries.values()) {
      entry.view.close();
    }
    entries.clear();
  }

  private Entry entry(String service) {
    Entry entry = entries.get(service);
    if (entry != null) {
      return entry;
    }
    if (closed) {
      throw new IllegalStateException("Roster's service views are closed (the application context is closing)");
    }
    return entries.computeIfAbsent(service, name -> new Entry(roster.watch(name)));
  }

  private void awaitReady(Entry entry) {
    try {
      entry.view.whenReady().get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      log.warn("The view of {} has had no first read within {}; answering with what it has", entry.view.service(),
          readyTimeout);
    } catch (ExecutionException e) {
      log.warn("The view of {} failed: {}", entry.view.service(), e.getCause().toString());
    }
    entry.ready = true;
  }

  private record ServicesCache(List<String> names, long readAt) {}

  private record Mapped(List<dev.roster.ServiceInstance> source,
      List<org.springframework.cloud.client.ServiceInstance> instances) {}

  /** One service's view, and its snapshot as last mapped. */
  private final class Entry {
    final ServiceView view;
    volatile boolean ready;
    volatile Mapped mapped = new Mapped(null, List.of());

    Entry(ServiceView view) {
      this.view = view;
    }

    List<org.springframework.cloud.client.ServiceInstance> mapped() {
      // The view hands out the same immutable list until it changes, so a comparison of
      // references says whether the mapping is current; a race only maps twice.
      List<dev.roster.ServiceInstance> now = view.instances();
      Mapped last = mapped;
      if (last.source != now) {
        last = new Mapped(now, map(now));
        mapped = last;
      }
      return last.instances;
    }
  }
}
