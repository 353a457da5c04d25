package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/** The two kinds of {@link Lease}. */
final class Leases {
  private Leases() {}

  /** A lease that counts nothing, for strategies that do not balance on load. */
  record Untracked(ServiceInstance instance) implements Lease {
    @Override
    public void close() {}
  }

  /** A lease holding one count on an instance's outstanding-request counter. */
  static final class Counted implements Lease {
    private static final AtomicIntegerFieldUpdater<Counted> CLOSED =
        AtomicIntegerFieldUpdater.newUpdater(Counted.class, "closed");

    private final ServiceInstance instance;
    private final AtomicInteger outstanding;
    private volatile int closed;

    /** Takes one count on {@code outstanding}; the caller has already incremented it. */
    Counted(ServiceInstance instance, AtomicInteger outstanding) {
      this.instance = instance;
      this.outstanding = outstanding;
    }

    @Override
    public ServiceInstance instance() {
      return instance;
    }

    @Override
    public void close() {
      // A field updater rather than an AtomicBoolean: one object per lease, not two.
      if (CLOSED.compareAndSet(this, 0, 1)) {
        outstanding.decrementAndGet();
      }
    }

    @Override
    public String toString() {
      return "Lease[" + instance.service() + "/" + instance.id() + (closed != 0 ? ", closed" : "") + "]";
    }
  }
}
