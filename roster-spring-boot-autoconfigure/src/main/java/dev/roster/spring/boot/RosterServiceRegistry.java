package dev.roster.spring.boot;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

/**
 * Spring Cloud's {@link ServiceRegistry} on a {@link Roster}: {@link #register} returns once
 * the node exists, and the registration then maintains itself (recreated after a session
 * expiry, restored if deleted) until {@link #deregister}. Registering the same service and id
 * again updates the node in place. Statuses are Roster's: {@code UP}, {@code DRAINING},
 * {@code OUT_OF_SERVICE}, {@code STARTING} (any case, {@code -} for {@code _}).
 */
public final class RosterServiceRegistry implements ServiceRegistry<RosterRegistration> {
  private final Roster roster;
  private final Map<String, Registration> held = new ConcurrentHashMap<>();

  /**
   * A registry writing through {@code roster}.
   *
   * @param roster the Roster to register through; this registry does not close it
   */
  public RosterServiceRegistry(Roster roster) {
    this.roster = roster;
  }

  @Override
  public void register(RosterRegistration registration) {
    held.compute(key(registration), (key, existing) -> {
      if (existing != null && existing.isOpen()) {
        existing.update(registration.instance());
        return existing;
      }
      return roster.register(registration.instance());
    });
  }

  @Override
  public void deregister(RosterRegistration registration) {
    Registration open = held.remove(key(registration));
    if (open != null) {
      open.close();
    }
  }

  /**
   * Leaves gracefully: marks the instance DRAINING, waits {@code grace} for callers to see it
   * and requests in flight to finish, then deregisters. Blocks for about the grace.
   *
   * @param registration the registration to end
   * @param grace how long the instance stays registered as DRAINING
   */
  public void deregister(RosterRegistration registration, Duration grace) {
    Registration open = held.remove(key(registration));
    if (open != null) {
      open.close(grace);
    }
  }

  /**
   * Replaces the registered attributes of a held registration, in place.
   *
   * @param registration the new attributes, with the same service and id as a held registration
   */
  public void update(RosterRegistration registration) {
    Registration open = held.get(key(registration));
    if (open == null) {
      throw new IllegalStateException("not registered: " + registration);
    }
    open.update(registration.instance());
  }

  /** Deregisters everything this registry holds. */
  @Override
  public void close() {
    for (String key : held.keySet()) {
      Registration open = held.remove(key);
      if (open != null) {
        open.close();
      }
    }
  }

  @Override
  public void setStatus(RosterRegistration registration, String status) {
    Registration open = held.get(key(registration));
    if (open == null) {
      throw new IllegalStateException("not registered: " + registration);
    }
    ServiceInstance.Status parsed = parse(status);
    open.update(open.instance().toBuilder().status(parsed).build());
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> @Nullable T getStatus(RosterRegistration registration) {
    Registration open = held.get(key(registration));
    return open == null ? null : (T) open.instance().status().name();
  }

  /**
   * How many registrations this registry holds.
   *
   * @return the number of registrations held
   */
  public int registrations() {
    return held.size();
  }

  /**
   * How many held registrations are confirmed on the current ZooKeeper session.
   *
   * @return the number of held registrations whose node is known to exist
   */
  public int registered() {
    int n = 0;
    for (Registration open : held.values()) {
      if (open.isRegistered()) {
        n++;
      }
    }
    return n;
  }

  private static String key(RosterRegistration registration) {
    return registration.getServiceId() + "/" + registration.getInstanceId();
  }

  private static ServiceInstance.Status parse(String status) {
    String name = status.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    try {
      return ServiceInstance.Status.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("status '" + status + "': must be one of UP, DRAINING, OUT_OF_SERVICE, STARTING", e);
    }
  }
}
