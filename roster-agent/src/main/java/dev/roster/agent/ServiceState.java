package dev.roster.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.ServiceChange;
import dev.roster.ServiceInstance;
import dev.roster.ServiceListener;
import dev.roster.ServiceView;
import dev.roster.Subscription;
import dev.roster.agent.dns.DnsServer;
import dev.roster.agent.dns.ServiceRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * What the agent knows of one service: its live view, the per-service index, the blocking
 * queries parked on it, its event streams, and a bounded ring of recent events for {@code
 * Last-Event-ID} resumes.
 *
 * <p>The index is 0 until the view is first ready, then moves for each change of this
 * service's instances, never for anything else, so an unrelated service's change wakes nobody
 * here. Its values are drawn from the agent-wide sequence {@link WatchedServices} passes in,
 * so they only grow, even across a state closed as idle and opened again. The agent diffs each list the view reports against its own last one
 * (rather than trusting the change's lists), so the first change a new listener is sent,
 * which repeats what the ready view already showed, moves nothing.
 *
 * <p>Decisions are made under this object's lock, and the writes they lead to happen after it
 * is released; every write is non-blocking, so the Roster's event path, which calls {@link
 * #onChange}, never waits for a client.
 */
final class ServiceState implements ServiceListener, DnsServer.Entry {
  /** One immutable state of the service, with its JSON body built once when first asked. */
  static final class Snapshot {
    final long index;
    final List<ServiceInstance> instances;
    final boolean stale;
    private volatile byte @Nullable [] json;

    Snapshot(long index, List<ServiceInstance> instances, boolean stale) {
      this.index = index;
      this.instances = List.copyOf(instances);
      this.stale = stale;
    }

    byte[] json(String service) {
      byte[] bytes = json;
      if (bytes == null) {
        ObjectNode n = Http.MAPPER.createObjectNode();
        n.put("service", service);
        n.put("index", index);
        n.set("instances", InstanceJson.array(instances));
        bytes = write(n);
        json = bytes;
      }
      return bytes;
    }
  }

  /** One event in the ring: the index it belongs to, and the frame as sent. */
  private record Frame(long index, byte[] bytes) {}

  /** A parked blocking query, answered once: by a change, by its timer, or never (client gone). */
  interface Waiter {
    void answer(Snapshot snapshot);
  }

  private final String service;
  private final int ringSize;
  private final ServiceView view;
  private final Subscription subscription;
  private final MeterRegistry registry;
  private final LongSupplier nextIndex;
  private final List<Meter> gauges = new ArrayList<>();
  private final @Nullable DnsServer dns;
  /** Completed once the first DNS records are built. */
  private final CompletableFuture<Void> dnsReady = new CompletableFuture<>();
  private final AtomicBoolean dnsQueued = new AtomicBoolean();
  private volatile @Nullable ServiceRecords dnsRecords;
  private volatile Snapshot snapshot = new Snapshot(0, List.of(), true);
  // Guarded by this.
  private final Set<Waiter> waiters = new LinkedHashSet<>();
  private final Set<EventStream> streams = new LinkedHashSet<>();
  private final List<EventStream> beforeReady = new ArrayList<>();
  private final ArrayDeque<Frame> ring = new ArrayDeque<>();
  /** Every event of an index above this one is still in the ring. */
  private long evictedUpTo;
  /** The index the view was first ready at: a Last-Event-ID below it is from before this state. */
  private long firstIndex;
  private long lastUsed = System.nanoTime();
  private boolean closed;

  ServiceState(String service, ServiceView view, int ringSize, MeterRegistry registry, LongSupplier nextIndex,
      @Nullable DnsServer dns) {
    this.service = service;
    this.dns = dns;
    this.view = view;
    this.ringSize = ringSize;
    this.registry = registry;
    this.nextIndex = nextIndex;
    for (ServiceInstance.Status status : ServiceInstance.Status.values()) {
      gauges.add(Gauge.builder("roster.instances", this, s -> s.snapshot.instances.stream().filter(i -> i.status() == status).count())
          .description("Instances of a service, by status, as the agent's view sees them")
          .tags("service", service, "status", status.name())
          .register(registry));
    }
    this.subscription = view.addListener(this);
    view.whenReady().thenAccept(ready -> apply(ready.instances()));
  }

  String service() {
    return service;
  }

  Snapshot snapshot() {
    return snapshot;
  }

  @Override
  public @Nullable ServiceRecords dnsRecords() {
    return dnsRecords;
  }

  @Override
  public CompletableFuture<?> whenReady() {
    return dnsReady;
  }

  /**
   * Has the DNS records rebuilt from the latest snapshot, on the DNS server's own thread, so
   * queries only pick from them. Coalesced: changes that arrive while a rebuild is queued are all
   * in the one rebuild, so a burst of registrations (2,000 in a row) costs a few rebuilds, not one
   * each, and the event path never builds records.
   */
  private void rebuildDns() {
    DnsServer d = dns;
    if (d != null && dnsQueued.compareAndSet(false, true)) {
      d.rebuild(() -> {
        dnsQueued.set(false);
        dnsRecords = d.records(service, snapshot.instances);
        dnsReady.complete(null);
      });
    }
  }

  /** Marks the state as used now; false if it was closed, and cannot be used. */
  synchronized boolean touch() {
    if (closed) {
      return false;
    }
    lastUsed = System.nanoTime();
    return true;
  }

  /** Whether a parked query or a stream depends on this state. */
  synchronized boolean inUse() {
    return !waiters.isEmpty() || !streams.isEmpty() || !beforeReady.isEmpty();
  }

  /** When it was last used, in {@link System#nanoTime()} terms. */
  synchronized long lastUsed() {
    return lastUsed;
  }

  /**
   * Closes the state if nothing depends on it and it was last used before {@code cutoff}
   * (a {@link System#nanoTime()} value).
   *
   * @return true if it is now closed by this call
   */
  boolean closeIfIdle(long cutoff) {
    synchronized (this) {
      if (closed || inUse() || lastUsed - cutoff >= 0) {
        return false;
      }
      // Closed under the same lock as touch(): a request that found it never uses it closed.
      closed = true;
    }
    release();
    return true;
  }

  /**
   * Answers {@code waiter} at once if the index already passed {@code index} (or is behind
   * it, as after an agent restart, so the client can reset), else parks it until it moves.
   *
   * @return true if parked
   */
  boolean await(long index, Waiter waiter) {
    Snapshot now;
    synchronized (this) {
      now = snapshot;
      if (!closed && (now.index == 0 || now.index == index)) {
        waiters.add(waiter);
        return true;
      }
    }
    waiter.answer(now);
    return false;
  }

  /** Forgets a waiter that answered on its own (its wait ended) or whose client left. */
  synchronized boolean remove(Waiter waiter) {
    return waiters.remove(waiter);
  }

  /**
   * Starts a stream: replays what followed {@code lastEventId} if the ring still holds all
   * of it, else a snapshot (once the view is ready).
   */
  void subscribe(EventStream stream, @Nullable Long lastEventId) {
    synchronized (this) {
      if (closed) {
        stream.end();
        return;
      }
      Snapshot now = snapshot;
      if (now.index == 0) {
        beforeReady.add(stream);
      } else {
        // Added first: a stream dropped while its replay is queued removes itself again.
        streams.add(stream);
        if (lastEventId != null && lastEventId >= Math.max(firstIndex, evictedUpTo) && lastEventId <= now.index) {
          for (Frame f : ring) {
            if (f.index > lastEventId) {
              stream.queue(f.bytes);
            }
          }
        } else {
          queueSnapshot(stream, now);
        }
      }
    }
    stream.iterate();
  }

  synchronized void unsubscribe(EventStream stream) {
    streams.remove(stream);
    beforeReady.remove(stream);
  }

  @Override
  public void onChange(ServiceChange change) {
    apply(change.instances());
  }

  @Override
  public void onStale(String service, Instant since) {
    staleness(true, since);
  }

  @Override
  public void onFresh(String service) {
    staleness(false, null);
  }

  private void staleness(boolean stale, @Nullable Instant since) {
    List<EventStream> targets;
    byte[] frame;
    synchronized (this) {
      Snapshot now = snapshot;
      if (closed || now.index == 0 || now.stale == stale) {
        return;
      }
      snapshot = new Snapshot(now.index, now.instances, stale);
      ObjectNode data = Http.MAPPER.createObjectNode();
      data.put("service", service);
      data.put("index", now.index);
      if (since != null) {
        data.put("since", since.toString());
      }
      frame = frame(now.index, stale ? "stale" : "fresh", data);
      remember(now.index, frame);
      targets = new ArrayList<>(streams);
    }
    for (EventStream s : targets) {
      s.send(frame);
    }
  }

  /** Takes the view's list, diffs it against the last one, and tells everyone who waits. */
  private void apply(List<ServiceInstance> next) {
    List<Waiter> wake;
    List<EventStream> targets;
    List<byte[]> frames = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    Snapshot after;
    synchronized (this) {
      Snapshot before = snapshot;
      if (closed) {
        return;
      }
      if (before.index == 0) {
        firstIndex = nextIndex.getAsLong();
        after = new Snapshot(firstIndex, next, view.isStale());
        snapshot = after;
        targets = new ArrayList<>(beforeReady);
        beforeReady.clear();
        streams.addAll(targets);
        for (EventStream s : targets) {
          queueSnapshot(s, after);
        }
      } else {
        // Taken only when something changed, so the index moves for changes alone.
        long index = 0;
        Map<String, ServiceInstance> old = new HashMap<>();
        for (ServiceInstance i : before.instances) {
          old.put(i.id(), i);
        }
        for (ServiceInstance i : next) {
          ServiceInstance was = old.remove(i.id());
          if (was == null) {
            index = index == 0 ? nextIndex.getAsLong() : index;
            frames.add(event(index, "added", i, null));
            changes.add("added");
          } else if (!was.equals(i)) {
            index = index == 0 ? nextIndex.getAsLong() : index;
            frames.add(event(index, "updated", i, was));
            changes.add("updated");
          }
        }
        for (ServiceInstance gone : before.instances) {
          if (old.containsKey(gone.id())) {
            index = index == 0 ? nextIndex.getAsLong() : index;
            frames.add(event(index, "removed", gone, null));
            changes.add("removed");
          }
        }
        if (frames.isEmpty()) {
          return;
        }
        after = new Snapshot(index, next, before.stale);
        snapshot = after;
        for (byte[] f : frames) {
          remember(index, f);
        }
        targets = new ArrayList<>(streams);
      }
      wake = new ArrayList<>(waiters);
      waiters.clear();
    }
    for (Waiter w : wake) {
      w.answer(after);
    }
    rebuildDns();
    for (String change : changes) {
      Counter.builder("roster.membership.changes")
          .description("Instances added to, removed from or updated in a service")
          .tags("service", service, "change", change)
          .register(registry)
          .increment();
    }
    for (EventStream s : targets) {
      for (byte[] f : frames) {
        s.queue(f);
      }
      s.iterate();
    }
  }

  /**
   * Ends every stream and answers every parked query with what is known; closes the view and
   * removes this service's gauges. Idempotent.
   */
  void close() {
    List<Waiter> wake;
    List<EventStream> ending;
    Snapshot now;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      now = snapshot;
      wake = new ArrayList<>(waiters);
      waiters.clear();
      ending = new ArrayList<>(streams);
      ending.addAll(beforeReady);
      streams.clear();
      beforeReady.clear();
    }
    for (Waiter w : wake) {
      w.answer(now);
    }
    for (EventStream s : ending) {
      s.end();
    }
    release();
  }

  private void release() {
    subscription.close();
    view.close();
    for (Meter gauge : gauges) {
      registry.remove(gauge);
    }
  }

  private void queueSnapshot(EventStream stream, Snapshot now) {
    ObjectNode data = Http.MAPPER.createObjectNode();
    data.put("service", service);
    data.put("index", now.index);
    data.set("instances", InstanceJson.array(now.instances));
    stream.queue(frame(now.index, "snapshot", data));
    if (now.stale) {
      ObjectNode stale = Http.MAPPER.createObjectNode();
      stale.put("service", service);
      stale.put("index", now.index);
      stream.queue(frame(now.index, "stale", stale));
    }
  }

  private void remember(long index, byte[] frame) {
    ring.addLast(new Frame(index, frame));
    while (ring.size() > ringSize) {
      evictedUpTo = Math.max(evictedUpTo, ring.removeFirst().index);
    }
  }

  private byte[] event(long index, String type, ServiceInstance instance, @Nullable ServiceInstance previous) {
    ObjectNode data = Http.MAPPER.createObjectNode();
    data.put("service", service);
    data.put("index", index);
    data.set("instance", InstanceJson.of(instance));
    if (previous != null) {
      data.set("previous", InstanceJson.of(previous));
    }
    return frame(index, type, data);
  }

  private static byte[] frame(long index, String type, ObjectNode data) {
    String text = "id: " + index + "\nevent: " + type + "\ndata: "
        + new String(write(data), StandardCharsets.UTF_8) + "\n\n";
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] write(ObjectNode n) {
    try {
      return Http.MAPPER.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
