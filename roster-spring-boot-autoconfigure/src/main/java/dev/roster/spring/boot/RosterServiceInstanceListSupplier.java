package dev.roster.spring.boot;

import dev.roster.ServiceChange;
import dev.roster.ServiceListener;
import dev.roster.ServiceView;
import dev.roster.Subscription;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Spring Cloud LoadBalancer's list of candidates for one service, pushed by Roster: a view
 * listener emits the new list on every change of the view (no polling, no cache to expire),
 * and a subscriber gets the latest list at once. Instances that are not UP are left out; when
 * this application has a zone ({@code roster.registration.zone}, else {@code
 * spring.cloud.loadbalancer.zone}) and any UP instance is in it, only those are offered,
 * else every UP instance. While ZooKeeper is unreachable the last list stays.
 */
public final class RosterServiceInstanceListSupplier implements ServiceInstanceListSupplier, DisposableBean {
  private final String serviceId;
  private final @Nullable String zone;
  private final Sinks.Many<List<ServiceInstance>> sink = Sinks.many().replay().latest();
  private final Subscription subscription;
  private final Object emitLock = new Object();
  private boolean emitted;

  /**
   * Starts listening to {@code serviceId}'s view.
   *
   * @param views the shared views
   * @param serviceId the service whose candidates to supply
   * @param zone the caller's zone, or null for no preference
   */
  public RosterServiceInstanceListSupplier(RosterServiceViews views, String serviceId, @Nullable String zone) {
    this.serviceId = serviceId;
    this.zone = zone == null || zone.isBlank() ? null : zone;
    ServiceView view = views.view(serviceId);
    this.subscription = view.addListener(new ServiceListener() {
      @Override
      public void onChange(ServiceChange change) {
        emit(select(change.instances()), true);
      }
    });
    // A service with no instances may never produce a change: its first read still answers,
    // with an empty list, so that a call fails at once instead of waiting for a first list.
    view.whenReady().thenAccept(ready -> emit(select(ready.instances()), false));
  }

  /**
   * Emits under a lock, since the first list may come from the ready future on another
   * thread; that one only if no change came first, so it never replaces a newer list.
   */
  private void emit(List<ServiceInstance> list, boolean change) {
    synchronized (emitLock) {
      if (change || !emitted) {
        emitted = true;
        sink.tryEmitNext(list);
      }
    }
  }

  @Override
  public String getServiceId() {
    return serviceId;
  }

  @Override
  public Flux<List<ServiceInstance>> get() {
    return sink.asFlux();
  }

  /** Stops listening; called when the load balancer's context for the service closes. */
  @Override
  public void destroy() {
    subscription.close();
    sink.tryEmitComplete();
  }

  List<ServiceInstance> select(List<dev.roster.ServiceInstance> instances) {
    List<ServiceInstance> up = new ArrayList<>(instances.size());
    List<ServiceInstance> local = new ArrayList<>();
    for (dev.roster.ServiceInstance instance : instances) {
      if (!instance.isUp()) {
        continue;
      }
      RosterServiceInstance mapped = new RosterServiceInstance(instance);
      up.add(mapped);
      if (zone != null && zone.equals(instance.zone())) {
        local.add(mapped);
      }
    }
    return List.copyOf(local.isEmpty() ? up : local);
  }
}
