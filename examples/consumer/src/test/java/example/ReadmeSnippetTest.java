package example;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategies;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's library snippet, as a user's project would write it, against a real ZooKeeper
 * from roster-testing; what the snippet prints is checked instead.
 */
class ReadmeSnippetTest {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void theReadmeSnippetRegistersWatchesAndPicks() {
    List<String> changes = new CopyOnWriteArrayList<>();
    try (Roster roster = Roster.builder()
            .connectString(zk.connectString())        // the README's "127.0.0.1:2181"
            .basePath("/services")
            .sessionTimeout(Duration.ofSeconds(10))
            .build()) {

      Registration registration = roster.register(
          ServiceInstance.builder("payments")
              .id("payments-1")
              .address("10.0.0.5").port(8080)
              .zone("eu-west-1a").weight(100)
              .metadata("version", "1.4.2")
              .build());

      ServiceView view = roster.watch("payments");
      view.whenReady().join();
      view.addListener(change ->
          changes.add("+" + change.added() + " -" + change.removed() + " ~" + change.updated()));
      Selector selector = view.selector(Strategies.roundRobin());
      ServiceInstance next = selector.pick();
      assertNotNull(next, "an UP instance to pick");
      assertEquals("payments-1", next.id());
      assertEquals("10.0.0.5:8080", next.address() + ":" + next.port());

      registration.update(registration.instance().toBuilder().weight(50).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().get(0).weight() == 50);
      registration.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().isEmpty());
    }
    // What the snippet prints: the instances at first, then the update, then the removal.
    assertEquals(3, changes.size(), changes.toString());
    assertTrue(changes.get(0).startsWith("+[") && changes.get(0).contains("payments-1"), changes.get(0));
    assertTrue(changes.get(1).startsWith("+[] -[] ~[") && changes.get(1).contains("payments-1"), changes.get(1));
    assertTrue(changes.get(2).startsWith("+[] -[") && changes.get(2).contains("payments-1"), changes.get(2));
  }
}
