package dev.roster.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;
import org.springframework.cloud.zookeeper.discovery.ZookeeperServiceInstance;
import org.springframework.cloud.zookeeper.support.StatusConstants;

/**
 * What Roster writes, parsed by Curator x-discovery 5.9.0's own serializer and by Spring Cloud
 * Zookeeper's own classes, without a server; {@code CuratorInteropIT} does the same through
 * ZooKeeper with Curator's {@code ServiceDiscovery} and {@code ServiceCache}.
 */
class CuratorCompatibilityTest {

  /** The Curator instance that Roster's plain form of {@link Golden#instance()} stands for. */
  static ServiceInstance<Map<String, Object>> expectedCuratorView(boolean enabled) throws Exception {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("version", "1.4.2");
    metadata.put("team", "core");
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("zone", "eu-west-1a");
    payload.put("weight", 70);
    payload.put("status", "DRAINING");
    payload.put("metadata", metadata);
    return ServiceInstance.<Map<String, Object>>builder()
        .name("payments").id("payments-1").address("10.0.0.5").port(8080).sslPort(8443)
        .payload(payload)
        .registrationTimeUTC(Golden.REGISTERED_AT.toEpochMilli())
        .serviceType(ServiceType.DYNAMIC)
        .uriSpec(new UriSpec("{scheme}://{address}:{port}"))
        .enabled(enabled)
        .build();
  }

  @ParameterizedTest(name = "Curator reader in compatible mode: {0}")
  @ValueSource(booleans = {true, false})
  void curatorParsesEveryFieldOfRostersPlainForm(boolean curatorCompatibleMode) throws Exception {
    // Roster's compatible writer leaves "enabled" out, so Curator takes its default, true
    // (the status is in the payload); the non-compatible writer says false for DRAINING.
    ServiceInstance<Map<String, Object>> fromCompat = Foreign.curatorSerializer(curatorCompatibleMode)
        .deserialize(InstanceCodec.curator().encode(Golden.instance()));
    assertThat(fromCompat).usingRecursiveComparison().isEqualTo(expectedCuratorView(true));

    ServiceInstance<Map<String, Object>> fromNonCompat = Foreign.curatorSerializer(curatorCompatibleMode)
        .deserialize(InstanceCodec.curator(false).encode(Golden.instance()));
    assertThat(fromNonCompat).usingRecursiveComparison().isEqualTo(expectedCuratorView(false));
    assertThat(fromNonCompat.isEnabled()).isFalse();
    assertThat(fromNonCompat.buildUriSpec()).isEqualTo("https://10.0.0.5:8080");
  }

  @Test
  void springFormIsByteForByteWhatCuratorWritesForSpringsPayload() throws Exception {
    Map<String, String> metadata = new LinkedHashMap<>(Golden.metadata());
    metadata.put("zone", "eu-west-1a");
    metadata.put("weight", "70");
    metadata.put("instance_status", "DRAINING");
    ServiceInstance<ZookeeperInstance> spring = ServiceInstance.<ZookeeperInstance>builder()
        .name("payments").id("payments-1").address("10.0.0.5").port(8080).sslPort(8443)
        .payload(new ZookeeperInstance("payments-1", "payments", metadata))
        .registrationTimeUTC(Golden.REGISTERED_AT.toEpochMilli())
        .uriSpec(new UriSpec("{scheme}://{address}:{port}"))
        .build();
    assertThat(new String(InstanceCodec.springCloud().encode(Golden.instance()), UTF_8))
        .isEqualTo(new String(Foreign.springSerializer().serialize(spring), UTF_8));
  }

  @Test
  void springCloudZookeeperReadsRostersDefaultOutputWithItsOwnClasses() throws Exception {
    ServiceInstance<ZookeeperInstance> curator =
        Foreign.springSerializer().deserialize(InstanceCodec.springCloud().encode(Golden.instance()));
    ZookeeperServiceInstance spring = new ZookeeperServiceInstance("payments", curator);

    assertThat(spring.getServiceId()).isEqualTo("payments");
    assertThat(spring.getHost()).isEqualTo("10.0.0.5");
    // Spring prefers the TLS port when there is one, and says so.
    assertThat(spring.isSecure()).isTrue();
    assertThat(spring.getPort()).isEqualTo(8443);
    assertThat(spring.getUri()).isEqualTo(URI.create("https://10.0.0.5:8080"));
    // Metadata as Spring reads it: the user's entries, plus zone and weight where Spring
    // Cloud LoadBalancer's zone-preference and weighted suppliers look for them.
    assertThat(spring.getMetadata()).containsEntry("version", "1.4.2").containsEntry("team", "core")
        .containsEntry("zone", "eu-west-1a").containsEntry("weight", "70");
    // Status as Spring reads it: instance_status, which its load balancer filters on (not UP = skipped).
    assertThat(spring.getMetadata().get(StatusConstants.INSTANCE_STATUS_KEY)).isEqualTo("DRAINING");
    assertThat(curator.getPayload().getId()).isEqualTo("payments-1");
    assertThat(curator.getPayload().getName()).isEqualTo("payments");

    // An UP instance without TLS: plain port, http URI, status UP.
    dev.roster.ServiceInstance up = Golden.instance().toBuilder().sslPort(0)
        .status(dev.roster.ServiceInstance.Status.UP).build();
    ZookeeperServiceInstance plain = new ZookeeperServiceInstance("payments",
        Foreign.springSerializer().deserialize(InstanceCodec.springCloud().encode(up)));
    assertThat(plain.isSecure()).isFalse();
    assertThat(plain.getPort()).isEqualTo(8080);
    assertThat(plain.getUri()).isEqualTo(URI.create("http://10.0.0.5:8080"));
    assertThat(plain.getMetadata()).containsEntry(StatusConstants.INSTANCE_STATUS_KEY, StatusConstants.STATUS_UP);
  }
}
