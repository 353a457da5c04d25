package dev.roster.internal;

import dev.roster.Registration;
import dev.roster.RegistrationConflictException;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import java.time.Duration;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registration's handle, and its node's persistent watch, which heals the node when it
 * is changed or deleted from outside. Its state is written on the registrar's context.
 */
final class RegistrationImpl implements Registration, Watcher {
  private static final Logger log = LoggerFactory.getLogger(RegistrationImpl.class);

  private final Registrar registrar;
  private final RosterCore core;
  final String path;
  volatile ServiceInstance instance;
  /** Bytes to keep in the node; context only after construction. */
  byte[] data;
  volatile boolean open = true;
  volatile boolean everCreated;
  /** The session on which the node was last created or confirmed. */
  volatile long session;
  volatile long watchSession;
  long conflictOwner; // guarded by this
  /** The last refusal reported (see {@link Registrar#reportRefusal}), null since the node was made. */
  @Nullable String refusal; // guarded by this
  /** The zxid of our own latest setData, so its watch event is not checked again. */
  volatile long writtenZxid;
  /** When register() was called ({@link System#nanoTime}), for the first registered event. */
  final long startedNanos;
  /**
   * When this Roster noticed the node needed making again (a deletion event, a reconnect),
   * 0 while it is known right; for the registered event's duration. Context only.
   */
  long lostSinceNanos;
  // Guarded by this: the registered(NEW) event was queued, the deregistered one was.
  private boolean announced;
  private boolean retired;

  RegistrationImpl(Registrar registrar, ServiceInstance instance, byte[] data, String path, long startedNanos) {
    this.registrar = registrar;
    this.core = registrar.core;
    this.instance = instance;
    this.data = data;
    this.path = path;
    this.startedNanos = startedNanos;
  }

  /**
   * True once, the first time the node is made, unless the registration was already let go:
   * then it must not be counted as held.
   */
  synchronized boolean announce() {
    if (announced || retired) {
      return false;
    }
    announced = true;
    return true;
  }

  /** True once, when a registration that was announced is let go; never for one that was not. */
  synchronized boolean retire() {
    if (retired) {
      return false;
    }
    retired = true;
    return announced;
  }

  @Override
  public ServiceInstance instance() {
    return instance;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isRegistered() {
    return open && everCreated && session != 0 && session == core.sessionId() && core.sessionTrusted();
  }

  @Override
  public void update(ServiceInstance next) {
    Threads.refuseBlocking("Registration.update()");
    if (!open) {
      throw new IllegalStateException("registration " + path + " is closed");
    }
    byte[] bytes = core.checkUpdate(instance, next);
    NodeReconciler.Outcome outcome = registrar.runUntilDone("update " + path, () -> {
      instance = next;
      data = bytes;
      return registrar.reconciler.ensure(this, false);
    });
    if (outcome.kind() == NodeReconciler.Outcome.Kind.CONFLICT) {
      throw new RegistrationConflictException(path, outcome.owner());
    }
    if (outcome.kind() == NodeReconciler.Outcome.Kind.REFUSED) {
      throw outcome.refusal();
    }
    if (outcome.kind() != NodeReconciler.Outcome.Kind.OK) {
      throw new RosterException("could not update " + path + ": " + Registrar.describe(outcome.error()),
          outcome.error());
    }
  }

  @Override
  public void drain() {
    update(instance.toBuilder().status(ServiceInstance.Status.DRAINING).build());
  }

  @Override
  public void close(Duration grace) {
    Threads.refuseBlocking("Registration.close(grace)");
    Grace.leave(this, core, path, grace, () -> {
      drain();
      return true;
    }, () -> true);
  }

  @Override
  public void close() {
    Threads.refuseBlocking("Registration.close()");
    if (!open) {
      return;
    }
    open = false;
    registrar.forget(this);
    if (core.isClosed()) {
      registrar.retire(this); // unless Roster.close() already did
      return; // the session has ended, and the node with it
    }
    try {
      ContextCall.run(registrar.ctx, core.config().operationTimeout(), "deregister " + path, () -> {
        registrar.deregister(this);
        return null;
      });
    } catch (RosterException e) {
      log.debug("deregistering {} continues in the background", path);
      registrar.retire(this); // the deletion is owed; the event need not wait for it
    }
  }

  /** The node's persistent watch: something changed it from outside, or we did. */
  @Override
  public void process(WatchedEvent event) {
    if (!open) {
      return;
    }
    Event.EventType type = event.getType();
    if (type != Event.EventType.NodeDeleted && type != Event.EventType.NodeDataChanged) {
      return;
    }
    long noticed = System.nanoTime();
    registrar.ctx.execute(() -> {
      if (type == Event.EventType.NodeDeleted && lostSinceNanos == 0) {
        lostSinceNanos = noticed;
      }
      if (!open || !core.isConnected()) {
        return;
      }
      // Checked here, not on arrival: ZooKeeper sends a write's watch event before the
      // write's own reply, and the context runs this only after that write has returned.
      if (type == Event.EventType.NodeDataChanged && event.getZxid() > 0 && event.getZxid() <= writtenZxid) {
        return; // our own write: the node already holds our data
      }
      NodeReconciler.Outcome outcome = registrar.reconciler.ensure(this, type == Event.EventType.NodeDeleted);
      switch (outcome.kind()) {
        case CONFLICT -> registrar.reportConflict(this, outcome.owner());
        case REFUSED -> {
          registrar.reportRefusal(this, outcome.refusal());
          core.scheduleReconcile();
        }
        case RETRY -> registrar.scheduleRetry();
        case OK -> {
          synchronized (this) {
            conflictOwner = 0;
          }
        }
        default -> { }
      }
    });
  }

  @Override
  public String toString() {
    return "Registration[" + path + (open ? "" : ", closed") + "]";
  }
}
