package dev.roster.spring.boot;

import dev.roster.ServiceInstance;
import java.net.URI;
import java.util.Map;

/**
 * What {@link RosterServiceRegistry} registers: one Roster {@link ServiceInstance}, seen
 * through Spring Cloud's {@link org.springframework.cloud.client.serviceregistry.Registration}.
 * Immutable; {@link #instance()} is what is written to ZooKeeper.
 */
public final class RosterRegistration implements org.springframework.cloud.client.serviceregistry.Registration {
  private final ServiceInstance instance;
  private final RosterServiceInstance view;

  /**
   * A registration of {@code instance}, checked by the library's validation.
   *
   * @param instance the instance to register
   */
  public RosterRegistration(ServiceInstance instance) {
    this.instance = instance.validate();
    this.view = new RosterServiceInstance(instance);
  }

  /**
   * The instance to write.
   *
   * @return the Roster instance this registration writes
   */
  public ServiceInstance instance() {
    return instance;
  }

  @Override
  public String getInstanceId() {
    return instance.id();
  }

  @Override
  public String getServiceId() {
    return instance.service();
  }

  @Override
  public String getHost() {
    return view.getHost();
  }

  @Override
  public int getPort() {
    return view.getPort();
  }

  @Override
  public boolean isSecure() {
    return view.isSecure();
  }

  @Override
  public URI getUri() {
    return view.getUri();
  }

  @Override
  public Map<String, String> getMetadata() {
    return view.getMetadata();
  }

  @Override
  public String toString() {
    return "RosterRegistration[" + instance.service() + "/" + instance.id() + " " + view.getUri() + "]";
  }
}
