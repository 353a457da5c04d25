package dev.roster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.Status;
import dev.roster.balance.OutlierPolicy;
import dev.roster.balance.Strategies;
import dev.roster.balance.Strategy;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Selection over a view's snapshot: status filtering, outlier ejection on a fake clock, allocation. */
class SelectorImplTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicReference<ViewContents> view = new AtomicReference<>();

  private static ServiceInstance instance(String id) {
    return instance(id, null, Status.UP);
  }

  private static ServiceInstance instance(String id, String zone, Status status) {
    return ServiceInstance.builder("svc").id(id).address("10.0.0.1").port(80).zone(zone).status(status).build();
  }

  private void show(ServiceInstance... instances) {
    view.set(ViewContents.of(List.of(instances)));
  }

  /** Round robin; 3 failures eject for 10 s, doubling up to 40 s; at most half ejected. */
  private OutlierPolicy policy() {
    return OutlierPolicy.builder().consecutiveFailures(3).baseEjectionTime(Duration.ofSeconds(10))
        .multiplier(2).maxEjectionTime(Duration.ofSeconds(40)).maxEjectedShare(0.5).ticker(now::get).build();
  }

  private SelectorImpl selector(Strategy strategy, OutlierPolicy policy) {
    return new SelectorImpl("svc", view::get, strategy, policy);
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  private static Set<String> picked(SelectorImpl selector, int picks) {
    Set<String> ids = new java.util.TreeSet<>();
    for (int i = 0; i < picks; i++) {
      ServiceInstance p = selector.pick();
      if (p != null) {
        ids.add(p.id());
      }
    }
    return ids;
  }

  private static void fail(SelectorImpl selector, ServiceInstance instance, int times) {
    for (int i = 0; i < times; i++) {
      selector.reportFailure(instance);
    }
  }

  @Test
  void instancesThatAreNotUpAreNeverPickedByAnyStrategy() {
    show(instance("up1", "a", Status.UP), instance("drain", "a", Status.DRAINING),
        instance("oos", "a", Status.OUT_OF_SERVICE), instance("start", "a", Status.STARTING),
        instance("up2", "b", Status.UP));
    for (Strategy s : List.of(Strategies.roundRobin(), Strategies.random(), Strategies.weightedRandom(),
        Strategies.smoothWeightedRoundRobin(), Strategies.powerOfTwoChoices(), Strategies.rendezvous(),
        Strategies.weightedRendezvous(), Strategies.zoneAware("a", 0.0, Strategies.roundRobin()),
        Strategies.zoneAware("a", 0.9, Strategies.random()))) {
      SelectorImpl selector = new SelectorImpl("svc", view::get, s, null);
      Set<String> seen = new java.util.TreeSet<>();
      for (int i = 0; i < 2000; i++) {
        seen.add(selector.pick().id());
        seen.add(selector.pick(i).id());
        try (var lease = selector.acquire()) {
          seen.add(lease.instance().id());
        }
      }
      assertThat(seen).as("%s", s).isSubsetOf("up1", "up2").isNotEmpty();
    }
  }

  @Test
  void aFailingInstanceIsSkippedAndComesBackAfterItsBackOffWhichGrowsOnRepeat() {
    ServiceInstance a = instance("a");
    show(a, instance("b"), instance("c"), instance("d"));
    SelectorImpl selector = selector(Strategies.roundRobin(), policy());

    fail(selector, a, 2);
    assertThat(picked(selector, 100)).contains("a"); // two failures are not enough
    fail(selector, a, 1);
    assertThat(selector.isEjected(a)).isTrue();
    assertThat(picked(selector, 1000)).containsExactly("b", "c", "d");

    // First ejection: 10 s.
    advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(picked(selector, 100)).doesNotContain("a");
    advance(Duration.ofNanos(1));
    assertThat(picked(selector, 100)).contains("a");
    assertThat(selector.isEjected(a)).isFalse();

    // Second: 20 s.
    fail(selector, a, 3);
    advance(Duration.ofSeconds(19));
    assertThat(picked(selector, 100)).doesNotContain("a");
    advance(Duration.ofSeconds(1));
    assertThat(picked(selector, 100)).contains("a");

    // Third: 40 s, and the fourth is capped at the max, 40 s.
    fail(selector, a, 3);
    advance(Duration.ofSeconds(39));
    assertThat(picked(selector, 100)).doesNotContain("a");
    advance(Duration.ofSeconds(1));
    assertThat(picked(selector, 100)).contains("a");
    fail(selector, a, 3);
    advance(Duration.ofSeconds(40));
    assertThat(picked(selector, 100)).contains("a");
  }

  @Test
  void aSuccessResetsTheCountAndReportsWhileEjectedChangeNothing() {
    ServiceInstance a = instance("a");
    show(a, instance("b"));
    SelectorImpl selector = selector(Strategies.roundRobin(), policy());
    fail(selector, a, 2);
    selector.reportSuccess(a);
    fail(selector, a, 2);
    assertThat(selector.isEjected(a)).isFalse();
    fail(selector, a, 1);
    assertThat(selector.isEjected(a)).isTrue();
    // Requests that were in flight report late; they neither extend nor end the ejection.
    fail(selector, a, 10);
    selector.reportSuccess(a);
    advance(Duration.ofSeconds(9));
    assertThat(picked(selector, 10)).containsExactly("b");
    advance(Duration.ofSeconds(1));
    assertThat(picked(selector, 10)).containsExactly("a", "b");
  }

  @Test
  void theOffenceCountIsForgivenAfterStayingInForTheMaxEjectionTime() {
    ServiceInstance a = instance("a");
    show(a, instance("b"));
    SelectorImpl selector = selector(Strategies.roundRobin(), policy());
    fail(selector, a, 3);
    advance(Duration.ofSeconds(10));
    fail(selector, a, 3); // second offence: 20 s
    advance(Duration.ofSeconds(20));
    assertThat(picked(selector, 10)).contains("a");
    advance(Duration.ofSeconds(40)); // a whole max ejection time in good standing
    fail(selector, a, 3); // counts as a first offence again: 10 s
    advance(Duration.ofSeconds(10));
    assertThat(picked(selector, 10)).contains("a");
  }

  @Test
  void neverMoreThanTheMaxShareIsEjectedAtOnce() {
    ServiceInstance a = instance("a");
    ServiceInstance b = instance("b");
    ServiceInstance c = instance("c");
    show(a, b, c, instance("d"));
    SelectorImpl selector = selector(Strategies.roundRobin(), policy());
    fail(selector, a, 3);
    advance(Duration.ofSeconds(1));
    fail(selector, b, 3);
    fail(selector, c, 3); // a third of four would pass the 50% threshold
    assertThat(selector.isEjected(a)).isTrue();
    assertThat(selector.isEjected(b)).isTrue();
    assertThat(selector.isEjected(c)).isFalse();
    assertThat(picked(selector, 100)).containsExactly("c", "d");

    // When a returns there is room again: c's next failure ejects it.
    advance(Duration.ofSeconds(9));
    assertThat(picked(selector, 100)).containsExactly("a", "c", "d");
    fail(selector, c, 1);
    assertThat(selector.isEjected(c)).isTrue();
    assertThat(picked(selector, 100)).containsExactly("a", "d");
  }

  @Test
  void aLoneInstanceIsNeverEjected() {
    ServiceInstance a = instance("a");
    show(a);
    SelectorImpl selector = selector(Strategies.roundRobin(), policy());
    fail(selector, a, 100);
    assertThat(selector.pick()).isEqualTo(a);
  }

  @Test
  void ejectionStateSurvivesViewChangesAndInstancesThatLeaveAreForgotten() {
    ServiceInstance a = instance("a");
    show(a, instance("b"), instance("c"));
    SelectorImpl selector = selector(Strategies.roundRobin(), policy());
    fail(selector, a, 3);
    show(a, instance("b"), instance("c"), instance("d")); // someone joins
    assertThat(picked(selector, 100)).containsExactly("b", "c", "d");
    show(instance("b"), instance("c"), instance("d")); // a leaves: forgotten
    assertThat(picked(selector, 100)).containsExactly("b", "c", "d");
    show(a, instance("b"), instance("c"), instance("d")); // and comes back as new
    assertThat(picked(selector, 100)).containsExactly("a", "b", "c", "d");
  }

  @Test
  void zoneAwarenessCountsEjectedLocalInstancesAsUnhealthyAndReturnsAfterTheBackOff() {
    ServiceInstance a1 = instance("a1", "a", Status.UP);
    ServiceInstance a2 = instance("a2", "a", Status.UP);
    show(a1, a2, instance("a3", "a", Status.DRAINING), instance("b1", "b", Status.UP), instance("b2", "b", Status.UP));
    SelectorImpl selector = selector(Strategies.zoneAware("a", 0.5, Strategies.roundRobin()), policy());
    // 2 of 3 local instances are UP: local only.
    assertThat(picked(selector, 100)).containsExactly("a1", "a2");
    // Ejecting a1 leaves 1 of 3: below half, spill over.
    fail(selector, a1, 3);
    assertThat(picked(selector, 100)).containsExactly("a2", "b1", "b2");
    // a1 back after its back-off: local only again.
    advance(Duration.ofSeconds(10));
    assertThat(picked(selector, 100)).containsExactly("a1", "a2");
  }

  @Test
  void rendezvousMovesOnlyTheKeysOfAnEjectedInstanceAndBringsThemBack() {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      list.add(instance("i" + i));
    }
    show(list.toArray(new ServiceInstance[0]));
    SelectorImpl selector = selector(Strategies.rendezvous(), policy());
    Map<String, String> before = placement(selector);
    fail(selector, list.get(4), 3);
    Map<String, String> during = placement(selector);
    for (String key : before.keySet()) {
      if (before.get(key).equals("i4")) {
        assertThat(during.get(key)).isNotEqualTo("i4");
      } else {
        assertThat(during.get(key)).isEqualTo(before.get(key));
      }
    }
    advance(Duration.ofSeconds(10));
    assertThat(placement(selector)).isEqualTo(before);
  }

  private static Map<String, String> placement(SelectorImpl selector) {
    Map<String, String> out = new HashMap<>();
    for (int k = 0; k < 2000; k++) {
      out.put("key-" + k, selector.pick("key-" + k).id());
    }
    return out;
  }

  @Test
  void pickingAllocatesNothing() {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      list.add(ServiceInstance.builder("svc").id("i" + i).address("h").port(80).weight(1 + i % 7)
          .zone(i % 2 == 0 ? "a" : "b").build());
    }
    show(list.toArray(new ServiceInstance[0]));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    for (Strategy s : List.of(Strategies.roundRobin(), Strategies.random(), Strategies.weightedRandom(),
        Strategies.smoothWeightedRoundRobin(), Strategies.powerOfTwoChoices(), Strategies.rendezvous(),
        Strategies.weightedRendezvous(), Strategies.zoneAware("a", 0.5, Strategies.roundRobin()))) {
      for (OutlierPolicy policy : java.util.Arrays.asList(null, policy())) {
        SelectorImpl selector = new SelectorImpl("svc", view::get, s, policy);
        long sink = 0;
        for (int i = 0; i < 20_000; i++) { // warm up, and build the picker
          sink += selector.pick().port() + selector.pick(i).port();
        }
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 100_000; i++) {
          sink += selector.pick().port() + selector.pick(i).port();
          selector.reportSuccess(list.get(i % 100));
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        // Not exactly 0: reading the counter may allocate a little. 200,000 picks under 1 KiB is 0 per pick.
        assertThat(allocated).as("bytes allocated by 200,000 picks with %s, %s", s, policy).isLessThan(1024);
        assertThat(sink).isPositive();
      }
    }
  }

  @Test
  void withoutAPolicyReportsAreIgnored() {
    ServiceInstance a = instance("a");
    show(a, instance("b"));
    SelectorImpl selector = new SelectorImpl("svc", view::get, Strategies.roundRobin(), null);
    fail(selector, a, 100);
    assertThat(picked(selector, 10)).containsExactly("a", "b");
    assertThat(selector.toString()).isEqualTo("Selector[svc, roundRobin()]");
  }

  @SuppressWarnings("unused")
  private static Set<String> ids(List<ServiceInstance> list) {
    return list.stream().map(ServiceInstance::id).collect(Collectors.toSet());
  }
}
