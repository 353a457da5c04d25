package dev.roster.balance;

import static dev.roster.balance.Fixtures.instances;
import static dev.roster.balance.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {
  private static final int KEYS = 10_000;

  private static Map<String, String> place(Picker picker) {
    Map<String, String> placement = new HashMap<>();
    for (int k = 0; k < KEYS; k++) {
      String key = "user-" + k;
      placement.put(key, picker.pick(Hashing.hash(key)).id());
    }
    return placement;
  }

  private static List<ServiceInstance> without(List<ServiceInstance> list, String id) {
    List<ServiceInstance> out = new ArrayList<>(list);
    out.removeIf(i -> i.id().equals(id));
    return List.copyOf(out);
  }

  private static void assertOnlyItsKeysMove(Strategy strategy, List<ServiceInstance> all, String leaving) {
    Map<String, String> before = place(strategy.newPicker(all));
    Map<String, String> after = place(strategy.newPicker(without(all, leaving)));
    int held = 0;
    for (Map.Entry<String, String> e : before.entrySet()) {
      String now = after.get(e.getKey());
      if (e.getValue().equals(leaving)) {
        held++;
        assertThat(now).as("a key %s held", leaving).isNotEqualTo(leaving);
      } else {
        assertThat(now).as("key %s, held by %s, must not move", e.getKey(), e.getValue()).isEqualTo(e.getValue());
      }
    }
    assertThat(held).as("keys %s held", leaving).isPositive();
    // Back again: every key returns to exactly where it was.
    assertThat(place(strategy.newPicker(all))).isEqualTo(before);
  }

  @Test
  void removingOneOfTenMovesExactlyTheKeysItHeldAndAddingItBackReturnsThem() {
    assertOnlyItsKeysMove(Strategies.rendezvous(), instances(10), "i3");
  }

  @Test
  void weightedRendezvousAlsoMovesOnlyTheKeysOfTheInstanceThatLeft() {
    List<ServiceInstance> ten = weighted(100, 200, 300, 50, 350, 100, 100, 400, 10, 90);
    assertOnlyItsKeysMove(Strategies.weightedRendezvous(), ten, "w4");
  }

  @Test
  void keysSpreadEvenlyAndPlacementDoesNotDependOnListOrderOrPicker() {
    Map<String, String> placement = place(Strategies.rendezvous().newPicker(instances(10)));
    Map<String, Integer> perInstance = new HashMap<>();
    placement.values().forEach(id -> perInstance.merge(id, 1, Integer::sum));
    assertThat(perInstance).hasSize(10).allSatisfy((id, n) -> assertThat(n).isBetween(850, 1150));

    List<ServiceInstance> reversed = new ArrayList<>(instances(10));
    java.util.Collections.reverse(reversed);
    assertThat(place(Strategies.rendezvous().newPicker(List.copyOf(reversed)))).isEqualTo(placement);
  }

  @Test
  void weightedRendezvousGivesKeysInProportionToWeight() {
    Picker picker = Strategies.weightedRendezvous().newPicker(weighted(100, 300));
    int toHeavy = 0;
    for (long k = 0; k < 100_000; k++) {
      if (picker.pick(k).id().equals("w1")) {
        toHeavy++;
      }
    }
    assertThat(toHeavy / 100_000.0).isCloseTo(0.75, within(0.75 * 0.02));
  }

  @Test
  void stringKeysHashStably() {
    // The hash is part of the observable behaviour: placements must not change between releases.
    assertThat(Hashing.hash("")).isEqualTo(Hashing.mix(0xcbf29ce484222325L));
    assertThat(Hashing.hash("user-1")).isNotEqualTo(Hashing.hash("user-2"));
    Picker picker = Strategies.rendezvous().newPicker(instances(10));
    assertThat(picker.pick(Hashing.hash("user-1"))).isEqualTo(picker.pick(Hashing.hash("user-1")));
  }
}
