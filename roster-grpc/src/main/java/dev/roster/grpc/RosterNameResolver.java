package dev.roster.grpc;

import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.Subscription;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves one {@code roster:} target by watching its service in a Roster view.
 *
 * <p>Threads, in gRPC's manner: every field that says "sync context" is touched only on the
 * channel's {@link SynchronizationContext}, where gRPC calls {@link #start}, {@link #refresh}
 * and {@link #shutdown} and where the listener must be called. What may block runs on the
 * offload executor: connecting the Roster, and resolving host names into addresses. View
 * changes arrive on the view's own executor and only mark the list dirty; the newest list is
 * all that matters, so a burst of changes costs one conversion and one update of the channel.
 */
final class RosterNameResolver extends NameResolver {
  private static final Logger log = LoggerFactory.getLogger(RosterNameResolver.class);

  private final RosterTarget target;
  private final RosterSource source;
  private final SynchronizationContext syncContext;
  private final Executor offload;

  // Sync context only.
  private @Nullable Listener2 listener;
  private boolean connecting;
  private boolean shutdown;
  private RosterSource.@Nullable Lease lease;
  private @Nullable ServiceView view;
  private @Nullable Subscription subscription;
  private @Nullable List<EquivalentAddressGroup> lastGroups;

  /** The view being watched, once connected; read by the converter off the sync context. */
  private volatile @Nullable ServiceView liveView;
  /** Set on every change of the view; the converter clears it and reads the view's newest list. */
  private final AtomicBoolean dirty = new AtomicBoolean();
  private final AtomicBoolean converting = new AtomicBoolean();

  RosterNameResolver(RosterTarget target, RosterSource source, SynchronizationContext syncContext, Executor offload) {
    this.target = target;
    this.source = source;
    this.syncContext = syncContext;
    this.offload = offload;
  }

  /** The service name: what calls on the channel send as {@code :authority} by default. */
  @Override
  public String getServiceAuthority() {
    return target.service();
  }

  @Override
  public void start(Listener2 listener) {
    if (this.listener != null) {
      throw new IllegalStateException("already started");
    }
    this.listener = listener;
    connect();
  }

  /**
   * gRPC asks again (a connection failed, or after an error, with back-off): retry the
   * connection if there is none yet, else hand over the current list once more. A live view
   * needs no polling, and while ZooKeeper is unreachable the current list is the last known
   * one, which is what the channel should keep using.
   */
  @Override
  public void refresh() {
    if (shutdown || listener == null) {
      return;
    }
    if (view == null) {
      connect();
    } else if (lastGroups != null) {
      publish(lastGroups);
    }
  }

  @Override
  public void shutdown() {
    if (shutdown) {
      return;
    }
    shutdown = true;
    release();
  }

  private void release() {
    liveView = null;
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
    if (view != null) {
      view.close();
      view = null;
    }
    if (lease != null) {
      Runnable release = lease.release();
      lease = null;
      // The last release closes a shared Roster, which waits for its threads: not on the
      // channel's synchronization context.
      try {
        offload.execute(release);
      } catch (RejectedExecutionException e) {
        release.run();
      }
    }
  }

  /** Connects off the sync context: building a Roster waits for ZooKeeper. */
  private void connect() {
    if (connecting || view != null || shutdown) {
      return;
    }
    connecting = true;
    offload.execute(() -> {
      RosterSource.Lease acquired;
      ServiceView watched;
      try {
        acquired = source.acquire();
      } catch (RuntimeException e) {
        failConnect(e);
        return;
      }
      try {
        watched = acquired.roster().watch(target.service());
      } catch (RuntimeException e) {
        acquired.release().run();
        failConnect(e);
        return;
      }
      syncContext.execute(() -> onConnected(acquired, watched));
    });
  }

  private void failConnect(RuntimeException e) {
    syncContext.execute(() -> {
      connecting = false;
      if (!shutdown) {
        listener.onError(Status.UNAVAILABLE.withDescription("cannot watch service '" + target.service()
            + "' in ZooKeeper: " + e.getMessage()).withCause(e));
      }
    });
  }

  private void onConnected(RosterSource.Lease acquired, ServiceView watched) {
    connecting = false;
    lease = acquired;
    view = watched;
    if (shutdown) {
      release();
      return;
    }
    liveView = watched;
    // Once the view is ready, its first delivery holds every current instance; a service
    // with no instance gets no delivery, so readiness itself is a change worth publishing.
    subscription = watched.addListener(change -> markDirty());
    watched.whenReady().thenRun(this::markDirty);
  }

  /** On any thread: the view changed; convert its newest list on the offload executor. */
  private void markDirty() {
    dirty.set(true);
    if (converting.compareAndSet(false, true)) {
      offload.execute(this::convert);
    }
  }

  /**
   * On the offload executor, one at a time: may resolve host names. Reads the view's current
   * snapshot rather than the list of the change that woke it, so a burst of changes costs one
   * update and the newest list always wins.
   */
  private void convert() {
    try {
      while (dirty.getAndSet(false)) {
        ServiceView v = liveView;
        if (v == null) {
          return;
        }
        List<EquivalentAddressGroup> groups = toGroups(v.instances());
        syncContext.execute(() -> publish(groups));
      }
    } finally {
      converting.set(false);
      // A change that arrived between the last check and the reset must not be stranded.
      if (dirty.get() && converting.compareAndSet(false, true)) {
        offload.execute(this::convert);
      }
    }
  }

  private List<EquivalentAddressGroup> toGroups(List<ServiceInstance> instances) {
    List<EquivalentAddressGroup> groups = new ArrayList<>(instances.size());
    for (ServiceInstance i : instances) {
      int port = i.port() > 0 ? i.port() : i.sslPort();
      if (!i.isUp() || i.address().isEmpty() || port <= 0) {
        continue;
      }
      InetSocketAddress address;
      try {
        // No lookup for IP literals; a host name is resolved once per change of the view.
        address = new InetSocketAddress(InetAddress.getByName(i.address()), port);
      } catch (UnknownHostException e) {
        log.warn("{}: leaving out instance {} whose address {} does not resolve", target.service(), i.id(),
            i.address());
        continue;
      }
      Attributes.Builder attrs = Attributes.newBuilder()
          .set(RosterNameResolverProvider.WEIGHT, i.weight())
          .set(RosterNameResolverProvider.INSTANCE, i);
      if (i.zone() != null) {
        attrs.set(RosterNameResolverProvider.ZONE, i.zone());
      }
      groups.add(new EquivalentAddressGroup(address, attrs.build()));
    }
    return List.copyOf(groups);
  }

  /** Sync context only. */
  private void publish(List<EquivalentAddressGroup> groups) {
    if (shutdown || listener == null) {
      return;
    }
    lastGroups = groups;
    if (groups.isEmpty()) {
      // An empty list is an error to gRPC's policies anyway; this one says why.
      listener.onError(Status.UNAVAILABLE.withDescription("no UP instance of service '" + target.service()
          + "' in ZooKeeper" + (view != null && view.isStale() ? " (last known list; ZooKeeper unreachable)" : "")));
      return;
    }
    listener.onResult2(ResolutionResult.newBuilder()
        .setAddressesOrError(StatusOr.fromValue(groups))
        .setAttributes(Attributes.EMPTY)
        .build());
  }

  @Override
  public String toString() {
    return "RosterNameResolver[" + target + "]";
  }
}
