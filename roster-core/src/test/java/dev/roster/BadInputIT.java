package dev.roster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad input is refused before anything is sent; bad nodes written by others are skipped. */
class BadInputIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private Roster roster;
  private ZooKeeper raw;
  private final List<String> skippedEvents = new CopyOnWriteArrayList<>();

  @BeforeEach
  void connect() {
    roster = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(2))
        .eventListener(new RosterEventListener() {
          @Override
          public void nodeSkipped(String service, String path, String codec, String reason) {
            skippedEvents.add(path + " (" + codec + "): " + reason);
          }
        }).build();
    raw = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
  }

  @AfterEach
  void close() throws Exception {
    roster.close();
    raw.close();
  }

  private static ServiceInstance lenient(String service, String id, String address, int port) {
    return new ServiceInstance(service, id, address, port, 0, null, 100, Map.of(), ServiceInstance.Status.UP,
        Instant.now(), ServiceInstance.DEFAULT_URI_SPEC, ServiceInstance.ServiceType.DYNAMIC, Bytes.EMPTY);
  }

  @Test
  void everyInvalidFieldIsRefusedAndNothingIsWritten() throws Exception {
    assertThatThrownBy(() -> roster.register(lenient("a/b", "i", "h", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service name 'a/b'");
    assertThatThrownBy(() -> roster.register(lenient("svc", "..", "h", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("instance id '..'");
    assertThatThrownBy(() -> roster.register(lenient("svc", "i d", "h", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("instance id 'i d'");
    assertThatThrownBy(() -> roster.register(lenient("svc", "i", "h", 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port 0: must be 1-65535");
    assertThatThrownBy(() -> roster.register(lenient("svc", "i", "h", 65536)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("port 65536: must be 1-65535");
    assertThatThrownBy(() -> roster.register(lenient("svc", "i", "", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("address ''");
    ServiceInstance huge = ServiceInstance.builder("svc").id("big").address("h").port(1)
        .metadata("blob", "x".repeat(70 * 1024)).build();
    assertThatThrownBy(() -> roster.register(huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("instance 'svc/big'")
        .hasMessageContaining("must be at most 65536");
    assertThat(raw.exists("/services", false)).isNull();
    // A larger cap is a choice: within ZooKeeper's limit it is accepted.
    try (Roster big = Roster.builder().connectString(zk.connectString()).maxInstanceBytes(512 * 1024).build()) {
      assertThat(big.register(huge).isOpen()).isTrue();
    }
    assertThatThrownBy(() -> Roster.builder().maxInstanceBytes(2 * 1024 * 1024))
        .hasMessageContaining("jute.maxbuffer");
    assertThatThrownBy(() -> Roster.builder().basePath("services"))
        .hasMessageStartingWith("base path 'services'");
    assertThatThrownBy(() -> roster.watch("a/b")).hasMessageStartingWith("service name 'a/b'");
  }

  @Test
  void garbageNodesAreSkippedCountedAndTheViewKeepsWorking() throws Exception {
    roster.register(ServiceInstance.builder("payments").id("good-1").address("h").port(1).build());
    Zk.createPersistent(raw, "/services/payments/empty", new byte[0]);
    Zk.createPersistent(raw, "/services/payments/truncated", "{\"name\":\"payments\",\"address\":\"h\",\"po".getBytes(UTF_8));
    Zk.createPersistent(raw, "/services/payments/binary", new byte[] {(byte) 0xca, (byte) 0xfe, 0, 1});
    Zk.createPersistent(raw, "/services/payments/not-an-object", "[1,2,3]".getBytes(UTF_8));
    // A payload naming a class nobody has is data, not a failure: read, and never loaded.
    Zk.createPersistent(raw, "/services/payments/foreign-class",
        ("{\"name\":\"payments\",\"id\":\"foreign-class\",\"address\":\"h\",\"port\":2,"
            + "\"payload\":{\"@class\":\"com.example.Evil\",\"metadata\":{\"k\":\"v\"}}}").getBytes(UTF_8));
    // A name the writer would refuse, written by another tool, is read.
    Zk.createPersistent(raw, "/services/payments/odd name",
        "{\"address\":\"h\",\"port\":3}".getBytes(UTF_8));

    ServiceView view = roster.watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(view.instances().stream().map(ServiceInstance::id).collect(Collectors.toSet()))
        .isEqualTo(Set.of("good-1", "foreign-class", "odd name"));
    assertThat(view.skippedNodes()).isEqualTo(4);
    assertThat(skippedEvents).hasSize(4).allSatisfy(e -> assertThat(e).contains(" (spring-cloud): "));

    // Still working: new good nodes arrive, a fixed node appears, a deleted bad node is uncounted.
    roster.register(ServiceInstance.builder("payments").id("good-2").address("h").port(4).build());
    raw.setData("/services/payments/empty", "{\"address\":\"fixed\",\"port\":5}".getBytes(UTF_8), -1);
    raw.delete("/services/payments/binary", -1);
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(view.instances().stream().map(ServiceInstance::id).collect(Collectors.toSet()))
          .isEqualTo(Set.of("good-1", "good-2", "foreign-class", "odd name", "empty"));
      assertThat(view.skippedNodes()).isEqualTo(2);
    });
    // A good node that goes bad leaves the view (it can no longer be used) and is counted.
    raw.setData("/services/payments/empty", "{".getBytes(UTF_8), -1);
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(view.instances()).extracting(ServiceInstance::id).doesNotContain("empty");
      assertThat(view.skippedNodes()).isEqualTo(3);
    });
  }
}
