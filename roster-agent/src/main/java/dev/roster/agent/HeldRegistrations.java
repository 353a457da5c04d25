package dev.roster.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.Registration;
import dev.roster.RegistrationConflictException;
import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registrations the agent holds for HTTP clients, on its Roster's session, with their
 * TTLs: {@code PUT} registers or updates, a heartbeat re-arms the TTL, {@code DELETE} or a
 * missed TTL deregisters. Each answer is the JSON body to send; a refusal is an {@link
 * HttpError}.
 */
final class HeldRegistrations {
  private static final Logger log = LoggerFactory.getLogger(HeldRegistrations.class);

  private final Roster roster;
  private final MeterRegistry registry;
  private final Scheduler scheduler;
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  /** Deregistrations of expired TTLs block on ZooKeeper: never on Jetty's scheduler. */
  private final ExecutorService expirer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "roster-agent-ttl");
    t.setDaemon(true);
    return t;
  });

  HeldRegistrations(Roster roster, MeterRegistry registry, Scheduler scheduler) {
    this.roster = roster;
    this.registry = registry;
    this.scheduler = scheduler;
  }

  /** One slot, by service and id; its lock orders PUT, heartbeat, DELETE and expiry. */
  private final class Held {
    final String key;
    @Nullable Registration registration;
    @Nullable Duration ttl;
    volatile long deadlineNanos;
    Scheduler.@Nullable Task expiry;

    Held(String key) {
      this.key = key;
    }

    void arm() {
      cancelExpiry();
      if (ttl != null) {
        deadlineNanos = System.nanoTime() + ttl.toNanos();
        expiry = scheduler.schedule(() -> expirer.execute(this::expireIfDue), ttl.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    void cancelExpiry() {
      if (expiry != null) {
        expiry.cancel();
        expiry = null;
      }
    }

    void expireIfDue() {
      ServiceInstance gone;
      synchronized (this) {
        if (registration == null || ttl == null || System.nanoTime() - deadlineNanos < 0) {
          return;
        }
        gone = registration.instance();
        registration.close();
        registration = null;
        held.remove(key, this);
      }
      log.info("{}/{}: no heartbeat within its TTL; deregistered", gone.service(), gone.id());
      Counter.builder("roster.agent.ttl.expirations")
          .description("TTL registrations removed because no heartbeat came in time")
          .tag("service", gone.service())
          .register(registry)
          .increment();
    }
  }

  /** Registers {@code service/id} from a request body, or updates what is held there. */
  ObjectNode put(String service, String id, byte[] body) {
    String key = service + "/" + id;
    ServiceInstance instance;
    Duration ttl;
    while (true) {
      Held h = held.computeIfAbsent(key, Held::new);
      synchronized (h) {
        if (held.get(key) != h) {
          continue; // expired or deleted meanwhile: a fresh slot takes the request
        }
        try {
          register(h, service, id, body);
        } catch (RuntimeException e) {
          if (h.registration == null) {
            held.remove(key, h);
          }
          throw e;
        }
        instance = h.registration.instance();
        ttl = h.ttl;
        break;
      }
    }
    ObjectNode out = Http.MAPPER.createObjectNode();
    out.put("service", service);
    out.set("instance", InstanceJson.of(instance));
    out.put("ttl", ttl == null ? null : Durations.format(ttl));
    return out;
  }

  /** Registers or updates the slot's instance from the body. Holding the slot's lock. */
  private void register(Held h, String service, String id, byte[] body) {
    Instant registeredAt = h.registration == null ? null : h.registration.instance().registeredAt();
    InstanceJson.Body b = InstanceJson.read(service, id, body, registeredAt);
    try {
      if (h.registration == null) {
        h.registration = roster.register(b.instance());
      } else {
        h.registration.update(b.instance());
      }
    } catch (RegistrationConflictException e) {
      throw new HttpError(409, "instance id '" + id + "': held by another ZooKeeper session (0x"
          + Long.toHexString(e.ownerSessionId()) + ")", "instance id");
    } catch (IllegalStateException e) {
      throw new HttpError(409, "instance id '" + id + "': already registered by this agent's Roster, "
          + "not through the HTTP API", "instance id");
    } catch (IllegalArgumentException e) {
      throw HttpError.invalid(e);
    } catch (UnsupportedOperationException e) {
      throw new HttpError(400, "this agent's codec cannot write instances", null);
    } catch (RosterException e) {
      throw new HttpError(503, "ZooKeeper did not accept the registration in time", null);
    }
    h.ttl = b.ttl();
    h.arm();
  }

  /** Re-arms the TTL of what is held at {@code service/id}. */
  ObjectNode heartbeat(String service, String id) {
    Held h = held.get(service + "/" + id);
    if (h == null) {
      throw notHeld(service, id);
    }
    Duration ttl;
    synchronized (h) {
      if (h.registration == null) {
        throw notHeld(service, id);
      }
      h.arm();
      ttl = h.ttl;
    }
    ObjectNode out = Http.MAPPER.createObjectNode();
    out.put("service", service);
    out.put("id", id);
    out.put("ttl", ttl == null ? null : Durations.format(ttl));
    return out;
  }

  /** Deregisters what is held at {@code service/id}. */
  ObjectNode delete(String service, String id) {
    String key = service + "/" + id;
    Held h = held.get(key);
    if (h == null) {
      throw notHeld(service, id);
    }
    synchronized (h) {
      if (h.registration == null) {
        throw notHeld(service, id);
      }
      h.cancelExpiry();
      h.registration.close();
      h.registration = null;
      held.remove(key, h);
    }
    ObjectNode out = Http.MAPPER.createObjectNode();
    out.put("service", service);
    out.put("id", id);
    out.put("deregistered", true);
    return out;
  }

  private static HttpError notHeld(String service, String id) {
    return new HttpError(404, "instance id '" + id + "': not registered through this agent in service '"
        + service + "'", "instance id");
  }

  /** Deregisters everything held. */
  void close() {
    for (Held h : held.values()) {
      synchronized (h) {
        h.cancelExpiry();
        if (h.registration != null) {
          h.registration.close();
          h.registration = null;
        }
      }
    }
    held.clear();
    expirer.shutdown();
  }

  int count() {
    return held.size();
  }
}
