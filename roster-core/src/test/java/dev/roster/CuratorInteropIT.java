package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.ServiceInstance.Status;
import dev.roster.codec.Foreign;
import dev.roster.codec.InstanceCodec;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.InstanceSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;
import org.springframework.cloud.zookeeper.discovery.ZookeeperServiceInstance;
import org.springframework.cloud.zookeeper.support.StatusConstants;

/**
 * Wire compatibility through a real ZooKeeper with the real Curator x-discovery 5.9.0 and
 * Spring Cloud Zookeeper's own classes, both directions, in both of Curator's serializer
 * modes: what one registers, the other's discovery and cache parse field by field.
 */
class CuratorInteropIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private CuratorFramework curator;

  @BeforeEach
  void connectCurator() throws Exception {
    curator = CuratorFrameworkFactory.newClient(zk.connectString(), 5_000, 5_000, new RetryOneTime(100));
    curator.start();
    assertThat(curator.blockUntilConnected(5, TimeUnit.SECONDS)).isTrue();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    curator.close();
  }

  private Roster roster(InstanceCodec codec) {
    Roster r = Roster.builder().connectString(zk.connectString()).codec(codec).build();
    closeables.add(r);
    return r;
  }

  private <T> ServiceDiscovery<T> discovery(Class<T> payloadClass, InstanceSerializer<T> serializer)
      throws Exception {
    ServiceDiscovery<T> d = ServiceDiscoveryBuilder.builder(payloadClass).client(curator).basePath("/services")
        .serializer(serializer).build();
    d.start();
    closeables.add(d);
    return d;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private ServiceDiscovery<Map<String, Object>> curatorDiscovery(boolean compatible) throws Exception {
    return discovery(Map.class, (InstanceSerializer) Foreign.curatorSerializer(compatible));
  }

  private ServiceInstance seen(ServiceView view, String id) {
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().stream().anyMatch(i -> i.id().equals(id)));
    return view.instances().stream().filter(i -> i.id().equals(id)).findFirst().orElseThrow();
  }

  @ParameterizedTest(name = "Curator writer in compatible mode: {0}")
  @ValueSource(booleans = {true, false})
  void curatorRegistersAndRostersViewSeesEveryField(boolean compatible) throws Exception {
    String id = compatible ? "curator-compat" : "curator-non-compat";
    curatorDiscovery(compatible).registerService(Foreign.curatorInstance(id));

    ServiceView view = roster(InstanceCodec.springCloud()).watch("payments");
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("owner", "team-a");
    metadata.put("version", "2.0.0");
    ServiceInstance expected = new ServiceInstance("payments", id, "10.0.0.6", 8080, 8443, "eu-west-1b", 30, metadata,
        // enabled=false travels only in non-compatible mode, and then wins over the payload's UP
        compatible ? Status.UP : Status.OUT_OF_SERVICE,
        Instant.ofEpochMilli(Foreign.REGISTERED_AT), "{scheme}://{address}:{port}/api",
        ServiceInstance.ServiceType.DYNAMIC, Bytes.EMPTY);
    assertThat(seen(view, id)).isEqualTo(expected);
  }

  @Test
  void curatorsPermanentServiceTypeIsSeen() throws Exception {
    org.apache.curator.x.discovery.ServiceInstance<Map<String, Object>> permanent =
        org.apache.curator.x.discovery.ServiceInstance.<Map<String, Object>>builder()
            .name("static-svc").id("s1").address("10.0.0.1").port(80).serviceType(ServiceType.PERMANENT).build();
    ServiceDiscovery<Map<String, Object>> discovery = curatorDiscovery(true);
    discovery.registerService(permanent);
    ServiceInstance seen = seen(roster(InstanceCodec.curator()).watch("static-svc"), "s1");
    assertThat(seen.serviceType()).isEqualTo(ServiceInstance.ServiceType.PERMANENT);
    assertThat(seen.uriSpec()).isNull();
    discovery.unregisterService(permanent); // persistent: it would outlive the test
  }

  @ParameterizedTest(name = "Roster writer and Curator reader in compatible mode: {0}")
  @ValueSource(booleans = {true, false})
  void rosterRegistersAndCuratorsDiscoveryAndCacheParseEveryField(boolean compatible) throws Exception {
    String service = compatible ? "orders-compat" : "orders-non-compat";
    ServiceInstance mine = ServiceInstance.builder(service).id("roster-1").address("10.0.0.5").port(8080)
        .sslPort(8443).zone("eu-west-1a").weight(70).metadata("version", "1.4.2").status(Status.DRAINING)
        .uriSpec("{scheme}://{address}:{port}/orders").build();
    roster(InstanceCodec.curator(compatible)).register(mine);

    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("zone", "eu-west-1a");
    payload.put("weight", 70);
    payload.put("status", "DRAINING");
    payload.put("metadata", Map.of("version", "1.4.2"));
    org.apache.curator.x.discovery.ServiceInstance<Map<String, Object>> expected =
        org.apache.curator.x.discovery.ServiceInstance.<Map<String, Object>>builder()
            .name(service).id("roster-1").address("10.0.0.5").port(8080).sslPort(8443).payload(payload)
            .serviceType(ServiceType.DYNAMIC).uriSpec(new UriSpec("{scheme}://{address}:{port}/orders"))
            // Without the field (compatible mode) Curator assumes enabled; with it, DRAINING says no.
            .enabled(compatible)
            .build();

    ServiceDiscovery<Map<String, Object>> discovery = curatorDiscovery(compatible);
    assertThat(discovery.queryForInstance(service, "roster-1"))
        .usingRecursiveComparison().ignoringFields("registrationTimeUTC").isEqualTo(expected);
    assertThat(discovery.queryForInstance(service, "roster-1").getRegistrationTimeUTC())
        .isEqualTo(mine.registeredAt().toEpochMilli());

    ServiceCache<Map<String, Object>> cache = discovery.serviceCacheBuilder().name(service).build();
    closeables.add(cache);
    cache.start();
    assertThat(cache.getInstances()).singleElement()
        .usingRecursiveComparison().ignoringFields("registrationTimeUTC").isEqualTo(expected);

    // The cache follows an update in place, as it would a Curator registration's.
    Registration reg = roster(InstanceCodec.curator(compatible)).register(
        ServiceInstance.builder(service).id("roster-2").address("10.0.0.6").port(8081).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.getInstances().size() == 2);
    reg.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.getInstances().size() == 1);
  }

  @Test
  void springRegistersAndRostersViewReadsIt() throws Exception {
    discovery(ZookeeperInstance.class, Foreign.springSerializer()).registerService(Foreign.springInstance("spring-1"));
    ServiceInstance expected = new ServiceInstance("payments", "spring-1", "10.0.0.7", 8080, 0, "eu-west-1c",
        ServiceInstance.DEFAULT_WEIGHT, Map.of("version", "3.0.0"), Status.UP,
        Instant.ofEpochMilli(Foreign.REGISTERED_AT), ServiceInstance.DEFAULT_URI_SPEC,
        ServiceInstance.ServiceType.DYNAMIC, Bytes.EMPTY);
    assertThat(seen(roster(InstanceCodec.springCloud()).watch("payments"), "spring-1")).isEqualTo(expected);
  }

  @Test
  void rosterRegistersWithTheDefaultCodecAndSpringReadsStatusAndMetadata() throws Exception {
    Roster roster = roster(InstanceCodec.springCloud());
    Registration reg = roster.register(ServiceInstance.builder("billing").id("b1").address("10.0.0.5").port(8080)
        .zone("eu-west-1a").weight(70).metadata("version", "1.4.2").build());
    ServiceDiscovery<ZookeeperInstance> spring = discovery(ZookeeperInstance.class, Foreign.springSerializer());

    ZookeeperServiceInstance seen = new ZookeeperServiceInstance("billing",
        spring.queryForInstances("billing").iterator().next());
    assertThat(seen.getHost()).isEqualTo("10.0.0.5");
    assertThat(seen.getPort()).isEqualTo(8080);
    assertThat(seen.getUri()).hasToString("http://10.0.0.5:8080");
    assertThat(seen.getMetadata()).containsEntry("version", "1.4.2").containsEntry("zone", "eu-west-1a")
        .containsEntry("weight", "70").containsEntry(StatusConstants.INSTANCE_STATUS_KEY, StatusConstants.STATUS_UP);

    // A status change reaches Spring where its load balancer looks.
    reg.update(reg.instance().toBuilder().status(Status.OUT_OF_SERVICE).build());
    await().atMost(Duration.ofSeconds(5)).until(() -> StatusConstants.STATUS_OUT_OF_SERVICE.equals(
        spring.queryForInstance("billing", "b1").getPayload().getMetadata().get(StatusConstants.INSTANCE_STATUS_KEY)));
  }
}
