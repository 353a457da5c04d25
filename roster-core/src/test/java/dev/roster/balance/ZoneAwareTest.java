package dev.roster.balance;

import static dev.roster.balance.Fixtures.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ZoneAwareTest {
  /** Four instances in the local zone "a", four in zone "b". */
  private static final List<ServiceInstance> KNOWN = List.of(
      Fixtures.instance("a1", 100, "a"), Fixtures.instance("a2", 100, "a"),
      Fixtures.instance("a3", 100, "a"), Fixtures.instance("a4", 100, "a"),
      Fixtures.instance("b1", 100, "b"), Fixtures.instance("b2", 100, "b"),
      Fixtures.instance("b3", 100, "b"), Fixtures.instance("b4", 100, "b"));

  private static List<ServiceInstance> eligibleWithout(String... ids) {
    List<ServiceInstance> out = new ArrayList<>(KNOWN);
    out.removeIf(i -> Set.of(ids).contains(i.id()));
    return List.copyOf(out);
  }

  private static Set<String> picked(Strategy strategy, List<ServiceInstance> eligible) {
    return count(1000, strategy.newPicker(eligible, KNOWN)::pick).keySet();
  }

  @Test
  void localOnlyWhileHealthyEnoughSpillsOverBelowTheShareAndReturns() {
    Strategy s = Strategies.zoneAware("a", 0.5, Strategies.roundRobin());
    assertThat(picked(s, KNOWN)).containsExactlyInAnyOrder("a1", "a2", "a3", "a4");
    // 2 of 4 local instances eligible: exactly at the share, still local.
    assertThat(picked(s, eligibleWithout("a1", "a2"))).containsExactlyInAnyOrder("a3", "a4");
    // 1 of 4: below the share, spill over to every eligible instance.
    assertThat(picked(s, eligibleWithout("a1", "a2", "a3")))
        .containsExactlyInAnyOrder("a4", "b1", "b2", "b3", "b4");
    // Healthy again: back to local only.
    assertThat(picked(s, eligibleWithout("a1"))).containsExactlyInAnyOrder("a2", "a3", "a4");
  }

  @Test
  void aShareThatIsNotABinaryFractionStillHoldsAtExactlyTheThreshold() {
    // 7 of 10 local is exactly 0.7, although 0.7 * 10 is 7.000000000000001 in binary.
    List<ServiceInstance> known = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      known.add(Fixtures.instance("a" + i, 100, "a"));
    }
    known.add(Fixtures.instance("b0", 100, "b"));
    List<ServiceInstance> eligible = new ArrayList<>(known.subList(3, 11));
    Strategy s = Strategies.zoneAware("a", 0.7, Strategies.roundRobin());
    assertThat(count(100, s.newPicker(List.copyOf(eligible), List.copyOf(known))::pick)).doesNotContainKey("b0");
    eligible.remove(0);
    assertThat(count(100, s.newPicker(List.copyOf(eligible), List.copyOf(known))::pick)).containsKey("b0");
  }

  @Test
  void noLocalInstanceSpillsOverAndWithoutKnownTheEligibleListCounts() {
    Strategy s = Strategies.zoneAware("c", 0.0, Strategies.roundRobin());
    assertThat(picked(s, KNOWN)).hasSize(8);
    Strategy a = Strategies.zoneAware("a", 1.0, Strategies.roundRobin());
    assertThat(count(100, a.newPicker(KNOWN)::pick).keySet()).containsExactlyInAnyOrder("a1", "a2", "a3", "a4");
  }

  @Test
  void argumentsAreChecked() {
    assertThatThrownBy(() -> Strategies.zoneAware("a", 1.5, Strategies.roundRobin()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("min healthy share 1.5: must be between 0 and 1");
    assertThatThrownBy(() -> Strategies.zoneAware("a", Double.NaN, Strategies.roundRobin()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("min healthy share NaN");
    assertThatThrownBy(() -> Strategies.zoneAware("", 0.5, Strategies.roundRobin()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("zone ''");
  }
}
