package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.testing.SessionExpiry;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** After a session expires, many registrations come back on the new session, pipelined. */
class ReRegistrationIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  @Test
  void fiveHundredRegistrationsReturnAfterExpiry() throws Exception {
    int count = 500;
    AtomicInteger recreated = new AtomicInteger();
    List<String> otherReasons = new CopyOnWriteArrayList<>();
    try (Roster server = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(4))
        .eventListener(new RosterEventListener() {
          @Override
          public void registered(ServiceInstance instance, RegisterReason reason, Duration took) {
            if (reason == RegisterReason.SESSION_EXPIRED) {
              recreated.incrementAndGet();
            } else if (reason != RegisterReason.NEW) {
              otherReasons.add(instance.id() + ": " + reason);
            }
          }
        }).build()) {
      for (int i = 0; i < count; i++) {
        server.register(ServiceInstance.builder("many").id("m" + i).address("h").port(1 + i).build());
      }
      long old = server.sessionId();
      long start = System.nanoTime();
      SessionExpiry.expire(zk.connectString(), Zk.sessionId(server), Zk.sessionPassword(server), Duration.ofSeconds(5));
      ZooKeeper raw = Zk.connect(zk.connectString(), Duration.ofSeconds(4));
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> recreated.get() >= count);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<String> children = raw.getChildren("/services/many", false);
        assertThat(children).hasSize(count);
        assertThat(otherReasons).isEmpty();
        for (String child : children) {
          Stat stat = raw.exists("/services/many/" + child, false);
          assertThat(stat.getEphemeralOwner()).isEqualTo(server.sessionId()).isNotEqualTo(old);
        }
        System.out.printf("re-registration after expiry: %d instances back in %d ms (including up to 1 s of jitter)%n",
            count, millis);
      } finally {
        raw.close();
      }
    }
  }
}
