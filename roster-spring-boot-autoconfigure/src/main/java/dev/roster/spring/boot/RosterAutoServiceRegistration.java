package dev.roster.spring.boot;

import dev.roster.ServiceInstance;
import java.time.Duration;
import java.util.Objects;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.cloud.client.discovery.event.InstancePreRegisteredEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;

/**
 * Registers the application itself once its web server listens, with the server's actual
 * port, and leaves gracefully when the context stops.
 *
 * <p>As Spring Cloud's {@code AbstractAutoServiceRegistration} does, it learns the port from
 * the {@link WebServerInitializedEvent} and announces {@link InstancePreRegisteredEvent} and
 * {@link InstanceRegisteredEvent}; unlike it, it registers and deregisters as a {@link
 * SmartLifecycle}, so that shutdown follows Spring's lifecycle ordering. Its {@linkplain
 * #PHASE phase} is above the web server's graceful shutdown ({@link
 * WebServerApplicationContext#GRACEFUL_SHUTDOWN_PHASE}), so on shutdown it stops
 * first: the instance is marked DRAINING, stays registered for {@code
 * roster.registration.drain-grace} while the web server still serves (callers see the status
 * and route elsewhere, requests in flight finish), and is deregistered before the web server's
 * own graceful shutdown begins. Make {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s
 * by default) longer than the grace.
 *
 * <p>A separate management server's port, known from its own initialized event, is added to
 * the metadata as {@code management.port}. Without a web server, the application registers at
 * start when {@code roster.registration.port} is set.
 */
public final class RosterAutoServiceRegistration
    implements AutoServiceRegistration, SmartLifecycle, ApplicationListener<WebServerInitializedEvent> {
  /** Stops before the web server's graceful shutdown, and starts after the web server. */
  public static final int PHASE = WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 512;

  /** The metadata key that carries a separate management server's port. */
  public static final String MANAGEMENT_PORT_KEY = "management.port";

  private static final Logger log = LoggerFactory.getLogger(RosterAutoServiceRegistration.class);

  private final ApplicationContext context;
  private final RosterServiceRegistry registry;
  private final IntFunction<ServiceInstance> instanceForPort;
  private final @Nullable Integer portOverride;
  private final Duration drainGrace;
  private final Object lock = new Object();
  private @Nullable Integer webPort;
  private @Nullable Integer managementPort;
  private @Nullable RosterRegistration registration;
  private boolean running;

  /**
   * Registers the instance {@code instanceForPort} builds, through {@code registry}, once the
   * application has a port.
   *
   * @param context the application context, whose web server decides the port
   * @param registry the registry to register with
   * @param instanceForPort the instance to register, given the port it listens on
   * @param portOverride a port to register instead of the web server's, or null
   * @param drainGrace how long to stay registered as DRAINING on shutdown
   */
  public RosterAutoServiceRegistration(ApplicationContext context, RosterServiceRegistry registry,
      IntFunction<ServiceInstance> instanceForPort, @Nullable Integer portOverride, Duration drainGrace) {
    this.context = Objects.requireNonNull(context, "context");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.instanceForPort = Objects.requireNonNull(instanceForPort, "instance");
    this.portOverride = portOverride;
    this.drainGrace = Objects.requireNonNull(drainGrace, "drain grace");
  }

  @Override
  public void onApplicationEvent(WebServerInitializedEvent event) {
    WebServerApplicationContext source = event.getApplicationContext();
    int port = event.getWebServer().getPort();
    RosterRegistration update = null;
    synchronized (lock) {
      if ("management".equals(source.getServerNamespace())) {
        managementPort = port;
        // The management server may start after the registration; its port joins the metadata.
        if (registration != null) {
          update = build();
          registration = update;
        }
      } else if (source == context) {
        webPort = port;
      }
    }
    if (update != null) {
      registry.update(update);
    }
  }

  @Override
  public void start() {
    RosterRegistration toRegister;
    synchronized (lock) {
      if (running) {
        return;
      }
      running = true;
      if (portOverride == null && webPort == null) {
        log.info("No web server port and no roster.registration.port: this application is not registered");
        return;
      }
      toRegister = build();
      registration = toRegister;
    }
    publish(new InstancePreRegisteredEvent(this, toRegister));
    registry.register(toRegister);
    log.info("Registered {}", toRegister);
    publish(new InstanceRegisteredEvent<>(this, toRegister));
  }

  @Override
  public void stop() {
    stop(() -> {});
  }

  /**
   * Drains, waits the grace and deregisters on a thread of its own, then tells Spring this
   * bean has stopped, so other beans of the same phase are not held up.
   */
  @Override
  public void stop(Runnable callback) {
    RosterRegistration leaving;
    synchronized (lock) {
      running = false;
      leaving = registration;
      registration = null;
    }
    if (leaving == null) {
      callback.run();
      return;
    }
    Thread thread = new Thread(() -> {
      try {
        log.info("Draining {} for {} before deregistering", leaving, drainGrace);
        registry.deregister(leaving, drainGrace);
      } finally {
        callback.run();
      }
    }, "roster-deregister");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public boolean isRunning() {
    synchronized (lock) {
      return running;
    }
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /**
   * The registration made at start, or null before it and after stop.
   *
   * @return the registration, or null when not started
   */
  public @Nullable RosterRegistration registration() {
    synchronized (lock) {
      return registration;
    }
  }

  private RosterRegistration build() {
    int port = portOverride != null ? portOverride : Objects.requireNonNull(webPort);
    ServiceInstance instance = instanceForPort.apply(port);
    if (managementPort != null && managementPort != port) {
      instance = instance.toBuilder().metadata(MANAGEMENT_PORT_KEY, Integer.toString(managementPort)).build();
    }
    return new RosterRegistration(instance);
  }

  private void publish(Object event) {
    ((ApplicationEventPublisher) context).publishEvent(event);
  }
}
