package dev.roster.internal;

import dev.roster.ServiceChange;
import dev.roster.ServiceInstance;
import dev.roster.ServiceListener;
import dev.roster.ServiceView;
import dev.roster.Subscription;
import dev.roster.balance.OutlierPolicy;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategy;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One caller's handle on a shared {@link SharedView}. Closing it removes the listeners
 * it added and releases one reference; the watch ends with the last reference.
 */
final class ViewHandle implements ServiceView {
  private final RosterCore core;
  private final SharedView view;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<Subscriber> listeners = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<ServiceView> ready = new CompletableFuture<>();

  ViewHandle(RosterCore core, SharedView view) {
    this.core = core;
    this.view = view;
    // Completed on the event path, so that stages chained on it run there, like listeners,
    // and never on the view's context.
    view.ready.whenComplete((v, error) -> core.events().execute(() -> {
      if (error == null) {
        ready.complete(this);
      } else {
        ready.completeExceptionally(error);
      }
    }));
  }

  /**
   * One listener added through this handle: the same listener object added twice is two
   * subscriptions, and one that is removed receives nothing more, even what was already queued.
   */
  static final class Subscriber {
    private final ServiceListener listener;
    private volatile boolean active = true;

    Subscriber(ServiceListener listener) {
      this.listener = listener;
    }

    void change(ServiceChange change) {
      if (active) {
        listener.onChange(change);
      }
    }

    void stale(String service, Instant since) {
      if (active) {
        listener.onStale(service, since);
      }
    }

    void fresh(String service) {
      if (active) {
        listener.onFresh(service);
      }
    }

    void cancel() {
      active = false;
    }
  }

  @Override
  public String service() {
    return view.service;
  }

  @Override
  public CompletableFuture<ServiceView> whenReady() {
    // A copy, so a caller completing or cancelling it cannot affect other callers.
    return ready.copy();
  }

  @Override
  public List<ServiceInstance> instances() {
    return view.snapshot.all();
  }

  @Override
  public boolean isStale() {
    return view.isStale();
  }

  @Override
  public @Nullable Instant staleSince() {
    return view.staleSince();
  }

  @Override
  public long lastZxid() {
    return view.lastZxid();
  }

  @Override
  public int skippedNodes() {
    return view.skippedNodes();
  }

  @Override
  public Subscription addListener(ServiceListener listener) {
    Objects.requireNonNull(listener, "listener");
    if (closed.get()) {
      throw new IllegalStateException("view of " + view.service + " is closed");
    }
    Subscriber entry = new Subscriber(listener);
    listeners.add(entry);
    view.addListener(entry);
    return () -> {
      entry.cancel();
      if (listeners.remove(entry)) {
        view.removeListener(entry);
      }
    };
  }

  @Override
  public Selector selector(Strategy strategy) {
    Objects.requireNonNull(strategy, "strategy");
    return new SelectorImpl(view.service, () -> view.snapshot, strategy, null);
  }

  @Override
  public Selector selector(Strategy strategy, OutlierPolicy policy) {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(policy, "outlier policy");
    return new SelectorImpl(view.service, () -> view.snapshot, strategy, policy);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (Subscriber l : listeners) {
        l.cancel();
        view.removeListener(l);
      }
      listeners.clear();
      core.release(view);
    }
  }

  @Override
  public String toString() {
    return "ServiceView[" + view.service + ", " + view.snapshot.all().size() + " instances"
        + (view.isStale() ? ", stale" : "") + "]";
  }
}
