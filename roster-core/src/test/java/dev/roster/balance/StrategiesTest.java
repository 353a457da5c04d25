package dev.roster.balance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrategiesTest {

  private static List<ServiceInstance> instances(int n) {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(ServiceInstance.builder("svc").id("i" + i).address("10.0.0." + i).port(80).build());
    }
    return List.copyOf(list);
  }

  @Test
  void roundRobinIsExactlyEven() {
    Picker picker = Strategies.roundRobin().newPicker(instances(7));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 7 * 1000; i++) {
      counts.merge(picker.pick().id(), 1, Integer::sum);
    }
    assertThat(counts).hasSize(7).allSatisfy((id, c) -> assertThat(c).isEqualTo(1000));
  }

  @Test
  void roundRobinStaysCorrectWhenTheCounterWraps() {
    Picker picker = Strategies.roundRobin(Integer.MAX_VALUE - 4).newPicker(instances(3));
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ServiceInstance pick = picker.pick();
      assertThat(pick).isNotNull();
      seen.add(pick.id());
    }
    // Strictly cyclic across the point where an int counter would wrap.
    for (int i = 3; i < seen.size(); i++) {
      assertThat(seen.get(i)).isEqualTo(seen.get(i - 3));
      assertThat(seen.get(i)).isNotEqualTo(seen.get(i - 1));
    }
    // Even at the end of the 64-bit range the index stays in bounds.
    Picker end = Strategies.roundRobin(-2L).newPicker(instances(3));
    for (int i = 0; i < 6; i++) {
      assertThat(end.pick()).isNotNull();
    }
  }

  @Test
  void emptyListPicksNull() {
    assertThat(Strategies.roundRobin().newPicker(List.of()).pick()).isNull();
    assertThat(Strategies.random().newPicker(List.of()).pick()).isNull();
  }

  @Test
  void randomCoversEveryInstanceRoughlyEvenly() {
    Picker picker = Strategies.random().newPicker(instances(4));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 40_000; i++) {
      counts.merge(picker.pick().id(), 1, Integer::sum);
    }
    assertThat(counts).hasSize(4).allSatisfy((id, c) -> assertThat(c).isBetween(9_000, 11_000));
  }
}
