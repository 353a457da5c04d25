package dev.roster.codec;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;
import org.springframework.cloud.zookeeper.serviceregistry.ServiceInstanceRegistration;

/**
 * Instances as Curator x-discovery and Spring Cloud Zookeeper build them, with their own
 * classes, and the bytes their own serializers write for them.
 */
public final class Foreign {
  private Foreign() {}

  /** When the fixtures were registered: fixed, so the bytes are too. */
  public static final long REGISTERED_AT = 1_700_000_000_000L;

  /**
   * A plain Curator user's instance: every field of Curator's format set, a {@code Map}
   * payload in Roster's plain shape plus one field of the user's own ({@code owner}), a
   * custom URI spec, and disabled.
   */
  public static ServiceInstance<Map<String, Object>> curatorInstance(String id) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("version", "2.0.0");
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("zone", "eu-west-1b");
    payload.put("weight", 30);
    payload.put("status", "UP");
    payload.put("metadata", metadata);
    payload.put("owner", "team-a");
    try {
      return ServiceInstance.<Map<String, Object>>builder()
          .name("payments").id(id).address("10.0.0.6").port(8080).sslPort(8443)
          .payload(payload)
          .registrationTimeUTC(REGISTERED_AT)
          .serviceType(ServiceType.DYNAMIC)
          .uriSpec(new UriSpec("{scheme}://{address}:{port}/api"))
          .enabled(false)
          .build();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Curator's serializer for a {@code Map} payload, in its compatible or non-compatible mode. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static JsonInstanceSerializer<Map<String, Object>> curatorSerializer(boolean compatible) {
    return new JsonInstanceSerializer(Map.class, compatible);
  }

  /** What Curator writes for {@link #curatorInstance}. */
  public static byte[] curatorBytes(String id, boolean compatible) {
    try {
      return curatorSerializer(compatible).serialize(curatorInstance(id));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * An instance as Spring Cloud Zookeeper's auto-registration builds it: Spring's own
   * {@code ServiceInstanceRegistration} builder, a {@code ZookeeperInstance} payload whose id
   * is the application context's and whose metadata holds {@code instance_status}, and the
   * default URI spec.
   */
  public static ServiceInstance<ZookeeperInstance> springInstance(String id) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("version", "3.0.0");
    metadata.put("zone", "eu-west-1c");
    metadata.put("instance_status", "UP");
    try {
      return ServiceInstanceRegistration.builder(ServiceInstance.<ZookeeperInstance>builder())
          .address("10.0.0.7").name("payments").id(id).port(8080)
          .payload(new ZookeeperInstance("application-1", "payments", metadata))
          .registrationTimeUTC(REGISTERED_AT)
          .defaultUriSpec()
          .build()
          .getServiceInstance();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The serializer Spring Cloud Zookeeper configures: Curator's, in its default mode. */
  public static JsonInstanceSerializer<ZookeeperInstance> springSerializer() {
    return new JsonInstanceSerializer<>(ZookeeperInstance.class);
  }

  /** What Spring Cloud Zookeeper writes for {@link #springInstance}. */
  public static byte[] springBytes(String id) {
    try {
      return springSerializer().serialize(springInstance(id));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
