package dev.roster.spring.boot;

import java.util.List;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Spring Cloud's {@link DiscoveryClient} answered from Roster's live views: {@link
 * #getInstances} reads a view kept per service (opened on first use, which waits briefly for
 * its first read), never ZooKeeper, and returns UP instances only unless {@code
 * roster.discovery.only-up=false}. {@link #getServices} is cached for {@code
 * roster.discovery.services-cache-ttl}; see {@link RosterServiceViews}.
 */
public final class RosterDiscoveryClient implements DiscoveryClient {
  private final RosterServiceViews views;
  private final int order;

  /**
   * A client over {@code views}, at {@code order} among a composite's clients.
   *
   * @param views the shared views to answer from
   * @param order the client's order among a composite's clients
   */
  public RosterDiscoveryClient(RosterServiceViews views, int order) {
    this.views = views;
    this.order = order;
  }

  @Override
  public String description() {
    return "Roster DiscoveryClient";
  }

  @Override
  public List<ServiceInstance> getInstances(String serviceId) {
    return views.instances(serviceId);
  }

  @Override
  public List<String> getServices() {
    return views.services();
  }

  /** Fails unless connected to ZooKeeper; what Spring Cloud's discovery health calls. */
  @Override
  public void probe() {
    if (!views.roster().isConnected()) {
      throw new IllegalStateException("not connected to ZooKeeper at " + views.roster().connectString());
    }
  }

  @Override
  public int getOrder() {
    return order;
  }
}
