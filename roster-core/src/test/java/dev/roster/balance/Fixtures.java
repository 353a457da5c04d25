package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Instances and counting helpers for the strategy tests. */
final class Fixtures {
  private Fixtures() {}

  static ServiceInstance instance(String id, int weight) {
    return ServiceInstance.builder("svc").id(id).address("10.0.0.1").port(80).weight(weight).build();
  }

  static ServiceInstance instance(String id, int weight, String zone) {
    return ServiceInstance.builder("svc").id(id).address("10.0.0.1").port(80).weight(weight).zone(zone).build();
  }

  /** Instances i0..i(n-1) of weight 100. */
  static List<ServiceInstance> instances(int n) {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(instance("i" + i, 100));
    }
    return List.copyOf(list);
  }

  /** Instances w0..w(k-1) with the given weights. */
  static List<ServiceInstance> weighted(int... weights) {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(instance("w" + i, weights[i]));
    }
    return List.copyOf(list);
  }

  static Map<String, Integer> count(int picks, Supplier<ServiceInstance> picker) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(picker.get().id(), 1, Integer::sum);
    }
    return counts;
  }

  /** The ids of {@code picks} picks in order. */
  static List<String> sequence(int picks, Picker picker) {
    List<String> out = new ArrayList<>(picks);
    for (int i = 0; i < picks; i++) {
      out.add(picker.pick().id());
    }
    return out;
  }
}
