package dev.roster.spring.boot;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Spring Cloud's {@link ReactiveDiscoveryClient} over the same views as {@link
 * RosterDiscoveryClient}. {@link #getInstances} never blocks: the first use of a service waits
 * for its view's first read asynchronously. {@link #getServices} may read ZooKeeper once per
 * TTL, on the bounded-elastic scheduler.
 */
public final class RosterReactiveDiscoveryClient implements ReactiveDiscoveryClient {
  private final RosterServiceViews views;
  private final int order;

  /**
   * A client over {@code views}, at {@code order} among a composite's clients.
   *
   * @param views the shared views to answer from
   * @param order the client's order among a composite's clients
   */
  public RosterReactiveDiscoveryClient(RosterServiceViews views, int order) {
    this.views = views;
    this.order = order;
  }

  @Override
  public String description() {
    return "Roster ReactiveDiscoveryClient";
  }

  @Override
  public Flux<ServiceInstance> getInstances(String serviceId) {
    return Mono.defer(() -> Mono.fromFuture(views.instancesWhenReady(serviceId))).flatMapIterable(list -> list);
  }

  @Override
  public Flux<String> getServices() {
    return Mono.fromCallable(views::services).subscribeOn(Schedulers.boundedElastic()).flatMapIterable(list -> list);
  }

  @Override
  public Mono<Void> reactiveProbe() {
    return Mono.fromRunnable(() -> {
      if (!views.roster().isConnected()) {
        throw new IllegalStateException("not connected to ZooKeeper at " + views.roster().connectString());
      }
    });
  }

  @Override
  public int getOrder() {
    return order;
  }
}
