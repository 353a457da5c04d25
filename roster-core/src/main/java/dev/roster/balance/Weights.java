package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.List;

/**
 * The weights weighted strategies use. An instance of weight 0 is never picked while any
 * instance has a positive weight; when every weight is 0 they all count as equal, so that a
 * service whose instances never set a weight, or all set it to 0, still gets traffic (as
 * Dubbo's weighted balancers do) instead of none.
 */
record Weights(ServiceInstance[] instances, long[] weights, long total) {

  static Weights of(List<ServiceInstance> list) {
    List<ServiceInstance> positive = new ArrayList<>(list.size());
    for (ServiceInstance i : list) {
      if (i.weight() > 0) {
        positive.add(i);
      }
    }
    boolean allZero = positive.isEmpty();
    ServiceInstance[] instances = (allZero ? list : positive).toArray(new ServiceInstance[0]);
    long[] weights = new long[instances.length];
    long total = 0;
    for (int i = 0; i < instances.length; i++) {
      weights[i] = allZero ? 1 : instances[i].weight();
      total += weights[i];
    }
    return new Weights(instances, weights, total);
  }

  int size() {
    return instances.length;
  }

  /** True when every weight is the same, so weighting changes nothing. */
  boolean uniform() {
    for (long w : weights) {
      if (w != weights[0]) {
        return false;
      }
    }
    return true;
  }
}
