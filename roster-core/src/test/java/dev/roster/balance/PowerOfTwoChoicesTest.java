package dev.roster.balance;

import static dev.roster.balance.Fixtures.instances;
import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesTest {

  @Test
  void ofTwoInstancesTheLessLoadedIsAlwaysTaken() {
    PowerOfTwoChoices strategy = (PowerOfTwoChoices) Strategies.powerOfTwoChoices(new Random(1));
    Picker picker = strategy.newPicker(instances(2));
    Lease first = picker.acquire();
    String busy = first.instance().id();
    String free = busy.equals("i0") ? "i1" : "i0";
    for (int i = 0; i < 100; i++) {
      assertThat(picker.pick().id()).isEqualTo(free);
    }
    // Lease after lease, the two stay within one request of each other.
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      held.add(picker.acquire());
      assertThat(Math.abs(strategy.outstanding("i0") - strategy.outstanding("i1"))).isLessThanOrEqualTo(1);
    }
    first.close();
    held.forEach(Lease::close);
    assertThat(strategy.outstanding("i0")).isZero();
    assertThat(strategy.outstanding("i1")).isZero();
  }

  @Test
  void heldLeasesStayBalancedAcrossManyInstances() {
    PowerOfTwoChoices strategy = (PowerOfTwoChoices) Strategies.powerOfTwoChoices(new Random(2));
    List<ServiceInstance> list = instances(10);
    Picker picker = strategy.newPicker(list);
    for (int i = 0; i < 100_000; i++) {
      picker.acquire(); // never closed: load only grows
    }
    IntSummaryStatistics load = list.stream().mapToInt(i -> strategy.outstanding(i.id())).summaryStatistics();
    assertThat(load.getSum()).isEqualTo(100_000);
    // Random alone would spread the ten by about 300 here (a standard deviation of 95 each);
    // two choices keep the gap to a few requests (it grows like log log n, not with the load).
    assertThat(load.getMax() - load.getMin()).isLessThanOrEqualTo(5);
  }

  @Test
  void aLoadedInstanceIsAvoided() {
    PowerOfTwoChoices strategy = (PowerOfTwoChoices) Strategies.powerOfTwoChoices(new Random(3));
    List<ServiceInstance> list = instances(4);
    Picker picker = strategy.newPicker(list);
    // Load whichever instances come up until one of them has 50 requests in flight.
    List<Lease> leases = new ArrayList<>();
    while (list.stream().allMatch(i -> strategy.outstanding(i.id()) < 50)) {
      leases.add(picker.acquire());
    }
    // Now free every instance but one, which keeps its load.
    String loaded = leases.get(0).instance().id();
    leases.stream().filter(l -> !l.instance().id().equals(loaded)).forEach(Lease::close);
    assertThat(strategy.outstanding(loaded)).isGreaterThan(0);
    // A loaded instance loses every comparison, so it is never picked by pick().
    for (int i = 0; i < 10_000; i++) {
      assertThat(picker.pick().id()).isNotEqualTo(loaded);
    }
  }

  @Test
  void closingALeaseTwiceCountsOnceAndCountsSurviveARebuild() {
    PowerOfTwoChoices strategy = (PowerOfTwoChoices) Strategies.powerOfTwoChoices(new Random(4));
    List<ServiceInstance> list = instances(2);
    Lease lease = strategy.newPicker(list).acquire();
    String id = lease.instance().id();
    assertThat(strategy.outstanding(id)).isEqualTo(1);

    // The view changes (an instance joins): the new picker still knows the request in flight.
    List<ServiceInstance> grown = new ArrayList<>(list);
    grown.add(Fixtures.instance("i9", 100));
    Picker rebuilt = strategy.newPicker(List.copyOf(grown));
    assertThat(strategy.outstanding(id)).isEqualTo(1);
    for (int i = 0; i < 1000; i++) {
      assertThat(rebuilt.pick().id()).isNotEqualTo(id);
    }
    lease.close();
    lease.close();
    assertThat(strategy.outstanding(id)).isZero();
  }

  @Test
  void aCounterIsDroppedOnlyOnceItsInstanceLeftAndNoRequestHoldsIt() {
    PowerOfTwoChoices strategy = (PowerOfTwoChoices) Strategies.powerOfTwoChoices(new Random(5));
    Picker one = strategy.newPicker(List.of(Fixtures.instance("gone", 100)));
    Lease lease = one.acquire();
    strategy.newPicker(instances(2)); // "gone" left, but a request is in flight on it
    assertThat(strategy.outstanding("gone")).isEqualTo(1);
    lease.close();
    strategy.newPicker(instances(2));
    assertThat(strategy.outstanding("gone")).isZero();
  }
}
