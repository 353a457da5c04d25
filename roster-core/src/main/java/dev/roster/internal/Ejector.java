package dev.roster.internal;

import dev.roster.ServiceInstance;
import dev.roster.balance.OutlierPolicy;
import dev.roster.balance.Ticker;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outlier-ejection state of one selector: consecutive failures per instance id, and
 * which instances are ejected until when. See {@link OutlierPolicy} for the rules.
 *
 * <p>Reports are the hot path and take no lock: a success is one read (and one write only
 * if failures were counted), a failure one compare-and-set. Only the rare transitions, an
 * ejection or a return, take the lock, and each bumps {@link #version()} so the selector
 * rebuilds its picker without the ejected instances. Returns are not timers: the selector
 * reads the ticker on each pick while something is ejected, and when the earliest
 * ejection is due it rebuilds, which calls {@link #state} and so expires it. While nothing
 * is ejected the ticker is not read at all.
 */
final class Ejector {
  private static final Logger log = LoggerFactory.getLogger(Ejector.class);

  /** What a picker is built against: which ids are out, until when, at which version. */
  record State(long version, Set<String> ejected, long nextReturn) {}

  /** Per instance id. {@code failures} is lock-free; the rest is guarded by the ejector's lock. */
  private static final class Health {
    final AtomicInteger failures = new AtomicInteger();
    volatile boolean ejected;
    long until;
    int offences;
    long returnedAt;
  }

  private final String service;
  private final OutlierPolicy policy;
  private final Ticker ticker;
  private final int threshold;
  private final long maxNanos;
  private final ConcurrentHashMap<String, Health> byId = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private volatile long version;
  // Guarded by lock.
  private int ejectedCount;
  private long nextReturn;

  Ejector(String service, OutlierPolicy policy) {
    this.service = service;
    this.policy = policy;
    this.ticker = policy.ticker();
    this.threshold = policy.consecutiveFailures();
    this.maxNanos = policy.maxEjectionTime().toNanos();
  }

  Ticker ticker() {
    return ticker;
  }

  /** Bumped on every ejection and return. */
  long version() {
    return version;
  }

  void success(ServiceInstance instance) {
    Health h = byId.get(instance.id());
    // Read before writing, so a stream of successes does not keep a cache line bouncing.
    if (h != null && h.failures.get() != 0) {
      h.failures.set(0);
    }
  }

  /** Counts a failure; ejects the instance if it reaches the threshold and there is room. */
  void failure(ServiceInstance instance, int upCount) {
    Health h = byId.get(instance.id());
    if (h == null) {
      h = byId.computeIfAbsent(instance.id(), id -> new Health());
    }
    if (h.ejected) {
      return; // requests that were in flight when it was ejected
    }
    // Saturating, so a long panic cannot overflow the count.
    int f;
    do {
      f = h.failures.get();
    } while (f < threshold && !h.failures.compareAndSet(f, f + 1));
    if (f + 1 >= threshold) {
      tryEject(instance, h, upCount);
    }
  }

  private void tryEject(ServiceInstance instance, Health h, int upCount) {
    synchronized (lock) {
      if (h.ejected || byId.get(instance.id()) != h || h.failures.get() < threshold) {
        return; // ejected meanwhile, forgotten, or a success came in between
      }
      long now = ticker.read();
      expire(now);
      // A tiny epsilon, so 0.29 x 100 (28.999...96 in binary) allows 29.
      long room = (long) Math.floor(policy.maxEjectedShare() * upCount + 1e-9);
      if (ejectedCount + 1 > room) {
        log.debug("not ejecting {}/{}: {} of {} instances are ejected already (max share {})",
            service, instance.id(), ejectedCount, upCount, policy.maxEjectedShare());
        return;
      }
      if (h.offences > 0 && now - h.returnedAt >= maxNanos) {
        h.offences = 0; // stayed in for a whole max ejection time: forgiven
      }
      h.offences++;
      long nanos = ejectionNanos(h.offences);
      h.until = now + nanos;
      h.ejected = true;
      if (ejectedCount == 0 || h.until - nextReturn < 0) {
        nextReturn = h.until;
      }
      ejectedCount++;
      version++;
      log.info("ejected {}/{} for {} ms after {} consecutive failures (ejection {})", service,
          instance.id(), nanos / 1_000_000, threshold, h.offences);
    }
  }

  private long ejectionNanos(int offence) {
    double nanos = policy.baseEjectionTime().toNanos() * Math.pow(policy.multiplier(), offence - 1);
    return nanos >= maxNanos ? maxNanos : (long) nanos;
  }

  /** Returns every instance whose time is up. Lock held. */
  private void expire(long now) {
    if (ejectedCount == 0 || now - nextReturn < 0) {
      return;
    }
    int left = 0;
    long next = 0;
    for (var e : byId.entrySet()) {
      Health h = e.getValue();
      if (!h.ejected) {
        continue;
      }
      if (now - h.until >= 0) {
        h.ejected = false;
        h.failures.set(0);
        h.returnedAt = now;
        log.info("{}/{} is back after its ejection", service, e.getKey());
      } else {
        if (left == 0 || h.until - next < 0) {
          next = h.until;
        }
        left++;
      }
    }
    ejectedCount = left;
    nextReturn = next;
    version++;
  }

  /** Forgets instances that are no longer in the view at all, whatever their state. */
  void retain(Collection<ServiceInstance> known) {
    Set<String> ids = new HashSet<>();
    for (ServiceInstance i : known) {
      ids.add(i.id());
    }
    synchronized (lock) {
      boolean changed = false;
      for (var it = byId.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (!ids.contains(e.getKey())) {
          if (e.getValue().ejected) {
            ejectedCount--;
            changed = true;
          }
          it.remove();
        }
      }
      if (changed) {
        version++;
      }
    }
  }

  /** Expires what is due and returns what a picker should leave out. */
  State state() {
    synchronized (lock) {
      expire(ticker.read());
      if (ejectedCount == 0) {
        return new State(version, Set.of(), 0);
      }
      Set<String> out = new HashSet<>();
      byId.forEach((id, h) -> {
        if (h.ejected) {
          out.add(id);
        }
      });
      return new State(version, Set.copyOf(out), nextReturn);
    }
  }

  /** True if the instance with this id is ejected now, for tests and diagnostics. */
  boolean isEjected(String id) {
    Health h = byId.get(id);
    return h != null && h.ejected;
  }
}
