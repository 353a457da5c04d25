package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthPolicy;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code Roster.close()} raced against {@code watch()} and a health-checked {@code register()}:
 * every handle is either working until the close or refused with a clear exception, and no
 * future is left pending.
 */
class LifecycleRaceIT {
  private static final int ROUNDS = 1000;

  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final ExecutorService racers = Executors.newFixedThreadPool(3);

  @AfterEach
  void stopRacers() {
    racers.shutdownNow();
  }

  @Test
  void closeRacingWatchAndRegisterLeavesNoHandleHalfAlive() throws Exception {
    HealthPolicy policy = HealthPolicy.builder().interval(Duration.ofMillis(20)).timeout(Duration.ofMillis(500))
        .rise(1).fall(1).build();
    ServiceInstance instance = ServiceInstance.builder("payments").id("p1").address("10.0.0.1").port(8080).build();
    int views = 0;
    int refusedViews = 0;
    int checked = 0;
    int refusedChecked = 0;
    List<CompletableFuture<ServiceView>> readies = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      Roster roster = Roster.builder().connectString(zk.connectString()).build();
      CountDownLatch go = new CountDownLatch(1);
      Future<Object> watching = racers.submit(() -> {
        go.await();
        try {
          return roster.watch("payments");
        } catch (IllegalStateException e) {
          return e;
        }
      });
      Future<Object> registering = racers.submit(() -> {
        go.await();
        try {
          return roster.register(instance, HealthCheck.of(() -> true), policy);
        } catch (IllegalStateException e) {
          return e;
        }
      });
      Future<?> closing = racers.submit(() -> {
        go.await();
        roster.close();
        return null;
      });
      go.countDown();
      closing.get(30, TimeUnit.SECONDS);
      Object view = watching.get(30, TimeUnit.SECONDS);
      Object health = registering.get(30, TimeUnit.SECONDS);

      if (view instanceof ServiceView v) {
        views++;
        readies.add(v.whenReady());
      } else {
        refusedViews++;
        assertThat((Throwable) view).hasMessage("this Roster is closed");
      }
      if (health instanceof HealthCheckedRegistration h) {
        checked++;
        // Made before the close, so the close stopped it: not left open and unchecked.
        assertThat(h.isOpen()).as("round %d: a health-checked registration outlived its Roster", round).isFalse();
        h.close(); // prompt and harmless
      } else {
        refusedChecked++;
        assertThat((Throwable) health).hasMessage("this Roster is closed");
      }
    }
    // Every view's whenReady() is settled, ready or failed with "closed": none pending.
    for (CompletableFuture<ServiceView> ready : readies) {
      await().atMost(Duration.ofSeconds(5)).until(ready::isDone);
    }
    assertThat(views + refusedViews).isEqualTo(ROUNDS);
    assertThat(checked + refusedChecked).isEqualTo(ROUNDS);
    // Both outcomes happened, or the race raced nothing.
    assertThat(views).isPositive();
    assertThat(refusedViews).isPositive();
    assertThat(checked).isPositive();
    assertThat(refusedChecked).isPositive();
  }
}
