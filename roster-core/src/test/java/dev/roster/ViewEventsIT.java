package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthListener;
import dev.roster.health.HealthPolicy;
import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What used to be polled is told: a view going stale and fresh, a health verdict changing. */
class ViewEventsIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  @Test
  void aViewTellsItsListenersWhenItGoesStaleAndFreshAgain() throws Exception {
    try (Roster servers = Roster.builder().connectString(zk.connectString()).build();
        FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster client = Roster.builder().connectString(proxy.connectString())
            .sessionTimeout(Duration.ofSeconds(4)).build()) {
      servers.register(ServiceInstance.builder("payments").id("p1").address("h").port(1).build());
      ServiceView view = client.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      List<String> told = new CopyOnWriteArrayList<>();
      view.addListener(new ServiceListener() {
        @Override
        public void onChange(ServiceChange change) {
          told.add("change " + change.instances().size());
        }

        @Override
        public void onStale(String service, Instant since) {
          told.add("stale " + service + (since.isAfter(Instant.now()) ? " in the future" : ""));
        }

        @Override
        public void onFresh(String service) {
          told.add("fresh " + service);
        }
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> told.contains("change 1"));

      proxy.cut();
      await().atMost(Duration.ofSeconds(5)).until(() -> told.contains("stale payments"));
      assertThat(view.isStale()).isTrue();
      proxy.heal();
      await().atMost(Duration.ofSeconds(10)).until(() -> told.contains("fresh payments"));
      assertThat(told).containsExactly("change 1", "stale payments", "fresh payments");
      assertThat(view.isStale()).isFalse();
    }
  }

  @Test
  void aListenerAddedToAStaleViewIsToldItIsStale() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster client = Roster.builder().connectString(proxy.connectString())
            .sessionTimeout(Duration.ofSeconds(4)).build()) {
      ServiceView view = client.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      proxy.cut();
      await().atMost(Duration.ofSeconds(5)).until(view::isStale);
      List<String> told = new CopyOnWriteArrayList<>();
      view.addListener(new ServiceListener() {
        @Override
        public void onChange(ServiceChange change) {
          told.add("change");
        }

        @Override
        public void onStale(String service, Instant since) {
          told.add("stale");
        }
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> told.contains("stale"));
      assertThat(told).containsExactly("stale"); // an empty view has no first change to give
    }
  }

  @Test
  void aHealthCheckedRegistrationTellsEachChangeOfVerdictInOrder() throws Exception {
    AtomicBoolean passing = new AtomicBoolean(true);
    HealthPolicy policy = HealthPolicy.builder().interval(Duration.ofMillis(50)).timeout(Duration.ofSeconds(1))
        .rise(2).fall(2).drainGrace(Duration.ZERO).build();
    try (Roster roster = Roster.builder().connectString(zk.connectString()).build()) {
      List<String> verdicts = new CopyOnWriteArrayList<>();
      AtomicInteger checks = new AtomicInteger();
      HealthCheckedRegistration registration = roster.register(
          ServiceInstance.builder("payments").id("p1").address("h").port(1).build(),
          HealthCheck.of(passing::get), policy);
      registration.addListener(new HealthListener() {
        @Override
        public void onHealthChanged(HealthCheckedRegistration r, boolean healthy, HealthCheck.Result result) {
          // Told after the state changed: registered by the time "healthy" arrives. An unhealthy
          // instance drains first, so it may still be in the registry when told.
          verdicts.add(healthy ? "healthy registered=" + r.isRegistered() + " result=" + result.healthy()
              : "unhealthy healthy=" + r.isHealthy() + " result=" + result.healthy());
        }

        @Override
        public void onCheck(HealthCheckedRegistration r, HealthCheck.Result result) {
          checks.incrementAndGet();
        }
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> verdicts.size() == 1);
      passing.set(false);
      await().atMost(Duration.ofSeconds(5)).until(() -> verdicts.size() == 2);
      await().atMost(Duration.ofSeconds(5)).until(() -> !registration.isRegistered());
      passing.set(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> verdicts.size() == 3);
      assertThat(verdicts).containsExactly(
          "healthy registered=true result=true",
          "unhealthy healthy=false result=false",
          "healthy registered=true result=true");
      assertThat(checks.get()).isGreaterThanOrEqualTo(6); // rise + fall + rise
      registration.close();
    }
  }
}
