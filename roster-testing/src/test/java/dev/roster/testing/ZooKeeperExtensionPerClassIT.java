package dev.roster.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.embedded.EmbeddedZooKeeper;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A static field: one server for the whole class, nested classes included. */
class ZooKeeperExtensionPerClassIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final Set<EmbeddedZooKeeper> seen = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void serverRunsBeforeAll(EmbeddedZooKeeper server) {
    assertThat(server.isRunning()).isTrue();
    seen.add(server);
  }

  @AfterAll
  static void oneServerServedEveryTest() {
    // @AfterAll methods run before the extension's afterAll, so the server still runs here.
    assertThat(seen).hasSize(1);
    assertThat(seen.iterator().next().isRunning()).isTrue();
  }

  @Test
  void injectsTheSameServerTheFieldGives(EmbeddedZooKeeper server) throws Exception {
    seen.add(server);
    assertThat(server).isSameAs(zk.server());
    assertThat(zk.connectString()).isEqualTo(server.connectString());
    ZooKeeper client = RecordingWatcher.connect(zk.connectString(), 2_000, new RecordingWatcher());
    try {
      assertThat(client.getSessionTimeout()).isEqualTo(2_000);
    } finally {
      client.close();
    }
  }

  @Test
  void usesA100MillisecondTick() {
    seen.add(zk.server());
    assertThat(zk.server().tickTime().toMillis()).isEqualTo(100);
  }

  @Nested
  class Nested_ {
    @Test
    void sharesTheOuterServer(EmbeddedZooKeeper server) {
      seen.add(server);
      assertThat(server).isSameAs(zk.server());
    }
  }
}
