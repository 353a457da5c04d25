package dev.roster.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.embedded.EmbeddedZooKeeper;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Declared with @ExtendWith: a fresh server for every test, reached through parameters. */
@ExtendWith(ZooKeeperExtension.class)
class ZooKeeperExtensionExtendWithIT {
  private static final Set<EmbeddedZooKeeper> seen = ConcurrentHashMap.newKeySet();

  private EmbeddedZooKeeper fromBeforeEach;

  @BeforeEach
  void before(EmbeddedZooKeeper server) {
    fromBeforeEach = server;
  }

  @AfterAll
  static void everyTestHadItsOwnServerAndAllAreClosed() {
    assertThat(seen).hasSize(2);
    assertThat(seen).noneMatch(EmbeddedZooKeeper::isRunning);
  }

  @Test
  void theTestGetsTheRunningServerItsBeforeEachGot(EmbeddedZooKeeper server) {
    seen.add(server);
    assertThat(server).isSameAs(fromBeforeEach);
    assertThat(server.isRunning()).isTrue();
  }

  @Test
  void anotherTestGetsARunningServerOfItsOwnSharedWithItsBeforeEach(EmbeddedZooKeeper server) {
    seen.add(server);
    assertThat(server).isSameAs(fromBeforeEach);
    assertThat(server.isRunning()).isTrue();
  }
}
