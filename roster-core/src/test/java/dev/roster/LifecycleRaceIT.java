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
 * {@code Roster.close()} raced against {@code watch()} and a health-checked {@code register()},
 * a thousand times each: every handle is either working until the close or refused with a
 * clear exception, and no future is left pending.
 */
class LifecycleRaceIT {
  /** Rosters built and closed; each close races {@link #RACERS} watches and as many registrations. */
  private static final int ROUNDS = 200;
  private static final int RACERS = 5;

  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private final ExecutorService racers = Executors.newFixedThreadPool(2 * RACERS + 1);

  @AfterEach
  void stopRacers() {
    racers.shutdownNow();
  }

  @Test
  void closeRacingWatchAndRegisterLeavesNoHandleHalfAlive() throws Exception {
    HealthPolicy policy = HealthPolicy.builder().interval(Duration.ofMillis(20)).timeout(Duration.ofMillis(500))
        .rise(1).fall(1).build();
    int views = 0;
    int refusedViews = 0;
    int checked = 0;
    int refusedChecked = 0;
    List<CompletableFuture<ServiceView>> readies = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      Roster roster = Roster.builder().connectString(zk.connectString()).build();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Object>> watching = new ArrayList<>();
      List<Future<Object>> registering = new ArrayList<>();
      for (int r = 0; r < RACERS; r++) {
        String service = "s" + r;
        watching.add(racers.submit(() -> {
          go.await();
          try {
            return roster.watch(service);
          } catch (IllegalStateException e) {
            return e;
          }
        }));
        registering.add(racers.submit(() -> {
          go.await();
          try {
            return roster.register(ServiceInstance.builder(service).id("p1").address("10.0.0.1").port(8080).build(),
                HealthCheck.of(() -> true), policy);
          } catch (IllegalStateException e) {
            return e;
          }
        }));
      }
      Future<?> closing = racers.submit(() -> {
        go.await();
        roster.close();
        return null;
      });
      go.countDown();
      closing.get(30, TimeUnit.SECONDS);
      for (Future<Object> w : watching) {
        Object view = w.get(30, TimeUnit.SECONDS);
        if (view instanceof ServiceView v) {
          views++;
          readies.add(v.whenReady());
        } else {
          refusedViews++;
          assertThat((Throwable) view).hasMessage("this Roster is closed");
        }
      }
      for (Future<Object> f : registering) {
        Object health = f.get(30, TimeUnit.SECONDS);
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
    }
    // Every view's whenReady() is settled, ready or failed with "closed": none pending.
    await().atMost(Duration.ofSeconds(10)).until(() -> readies.stream().allMatch(CompletableFuture::isDone));
    assertThat(views + refusedViews).isEqualTo(ROUNDS * RACERS);
    assertThat(checked + refusedChecked).isEqualTo(ROUNDS * RACERS);
    // Both outcomes happened, or the race raced nothing.
    assertThat(views).isPositive();
    assertThat(refusedViews).isPositive();
    assertThat(checked).isPositive();
    assertThat(refusedChecked).isPositive();
  }
}
