package dev.roster.spring.boot;

import dev.roster.ServiceInstance;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Roster instance as Spring Cloud sees it: host, port (the TLS port when there is one, as
 * Spring Cloud Zookeeper does), secure, URI and metadata. The metadata are the keys Spring
 * Cloud Zookeeper exposes: the instance's own entries plus {@code zone} (when known), {@code
 * weight} and {@code instance_status}, so applications and Spring Cloud LoadBalancer's
 * zone-preference and weighted suppliers read what they read today. Immutable.
 */
public final class RosterServiceInstance implements org.springframework.cloud.client.ServiceInstance {
  /** Spring Cloud Zookeeper's metadata key for the instance status. */
  public static final String STATUS_KEY = "instance_status";

  private final ServiceInstance instance;
  private final Map<String, String> metadata;
  private final URI uri;

  /**
   * Wraps one instance of a Roster view.
   *
   * @param instance the Roster instance to wrap
   */
  public RosterServiceInstance(ServiceInstance instance) {
    this.instance = instance;
    Map<String, String> all = new LinkedHashMap<>(instance.metadata());
    if (instance.zone() != null) {
      all.put("zone", instance.zone());
    }
    all.put("weight", Integer.toString(instance.weight()));
    all.put(STATUS_KEY, instance.status().name());
    this.metadata = Collections.unmodifiableMap(all);
    String host = instance.address().indexOf(':') >= 0 && !instance.address().startsWith("[")
        ? "[" + instance.address() + "]" : instance.address();
    this.uri = URI.create((isSecure() ? "https" : "http") + "://" + host + ":" + getPort());
  }

  /**
   * The Roster instance behind this one: zone, weight and status as values.
   *
   * @return the wrapped Roster instance
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
    return instance.address();
  }

  @Override
  public int getPort() {
    return isSecure() ? instance.sslPort() : instance.port();
  }

  @Override
  public boolean isSecure() {
    return instance.sslPort() > 0;
  }

  @Override
  public URI getUri() {
    return uri;
  }

  @Override
  public Map<String, String> getMetadata() {
    return metadata;
  }

  @Override
  public String getScheme() {
    return isSecure() ? "https" : "http";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RosterServiceInstance other && instance.equals(other.instance);
  }

  @Override
  public int hashCode() {
    return instance.hashCode();
  }

  @Override
  public String toString() {
    return "RosterServiceInstance[" + instance.service() + "/" + instance.id() + " " + uri + " " + instance.status() + "]";
  }
}
