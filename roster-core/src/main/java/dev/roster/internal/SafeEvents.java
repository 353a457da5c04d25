package dev.roster.internal;

import dev.roster.RosterEventListener;
import dev.roster.ServiceInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wraps the user's {@link RosterEventListener} so that what it throws is logged, never propagated. */
final class SafeEvents implements RosterEventListener {
  private static final Logger log = LoggerFactory.getLogger(SafeEvents.class);
  private final RosterEventListener delegate;

  SafeEvents(RosterEventListener delegate) {
    this.delegate = delegate;
  }

  private void guard(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("RosterEventListener {} threw", delegate, e);
    }
  }

  @Override
  public void connectionStateChanged(ConnectionState state) {
    guard(() -> delegate.connectionStateChanged(state));
  }

  @Override
  public void sessionStarted(long previousSessionId, long sessionId) {
    guard(() -> delegate.sessionStarted(previousSessionId, sessionId));
  }

  @Override
  public void registered(ServiceInstance instance, boolean recreated) {
    guard(() -> delegate.registered(instance, recreated));
  }

  @Override
  public void staleNodeReplaced(ServiceInstance instance, long oldSessionId) {
    guard(() -> delegate.staleNodeReplaced(instance, oldSessionId));
  }

  @Override
  public void registrationConflict(ServiceInstance instance, long ownerSessionId) {
    guard(() -> delegate.registrationConflict(instance, ownerSessionId));
  }

  @Override
  public void nodeSkipped(String service, String path, String reason) {
    guard(() -> delegate.nodeSkipped(service, path, reason));
  }

  @Override
  public void massRemovalHeld(String service, int removing, int holding) {
    guard(() -> delegate.massRemovalHeld(service, removing, holding));
  }

  @Override
  public void massRemovalConfirmed(String service, int removed) {
    guard(() -> delegate.massRemovalConfirmed(service, removed));
  }

  @Override
  public void viewRead(String service, boolean fullResync, int reads) {
    guard(() -> delegate.viewRead(service, fullResync, reads));
  }
}
