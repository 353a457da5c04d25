package dev.roster.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.embedded.EmbeddedZooKeeper;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An instance field: a fresh server for every test. */
class ZooKeeperExtensionPerTestIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(50));

  private static final Set<EmbeddedZooKeeper> seen = ConcurrentHashMap.newKeySet();

  @AfterAll
  static void everyTestHadItsOwnServerAndAllAreClosed() {
    assertThat(seen).hasSize(2);
    assertThat(seen).noneMatch(EmbeddedZooKeeper::isRunning);
  }

  @Test
  void theParameterIsTheFieldsServerWithItsTickTime(EmbeddedZooKeeper server) {
    seen.add(server);
    assertThat(server).isSameAs(zk.server());
    assertThat(server.tickTime()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void anotherTestGetsARunningServerOfItsOwn(EmbeddedZooKeeper server) {
    seen.add(server);
    assertThat(server.isRunning()).isTrue();
  }
}
