package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.List;

/**
 * A way of choosing among instances, such as round robin. Obtain one from
 * {@link Strategies}. A strategy may keep state across pickers (round robin keeps its
 * counter, power of two choices its outstanding-request counts), so use one strategy
 * object per selector.
 */
@FunctionalInterface
public interface Strategy {

  /**
   * Builds a picker over {@code instances}: an immutable list, sorted by id, of instances
   * that may be picked (status UP and not ejected). Called once per change of the view,
   * never per pick.
   *
   * @param instances the instances that may be picked
   * @return a picker over {@code instances}
   */
  Picker newPicker(List<ServiceInstance> instances);

  /**
   * Builds a picker over {@code eligible}, knowing every instance of the service. This is
   * what selectors call; strategies that judge the health of a group, such as
   * {@link Strategies#zoneAware}, override it. The default ignores {@code known}.
   *
   * @param eligible the instances that may be picked: status UP and not ejected, sorted by
   *     id, immutable
   * @param known every instance the view holds, whatever its status, ejected ones
   *     included; sorted by id, immutable
   * @return a picker over {@code eligible}
   */
  default Picker newPicker(List<ServiceInstance> eligible, List<ServiceInstance> known) {
    return newPicker(eligible);
  }
}
