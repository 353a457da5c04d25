package dev.roster.balance;

import dev.roster.ServiceInstance;
import java.util.List;

/**
 * A way of choosing among instances, such as round robin. Obtain one from
 * {@link Strategies}. A strategy may keep state across pickers (round robin keeps its
 * counter), so use one strategy object per selector.
 */
@FunctionalInterface
public interface Strategy {

  /**
   * Builds a picker over {@code instances}: an immutable list, sorted by id, of instances
   * that are up. Called once per change of the view, never per pick.
   */
  Picker newPicker(List<ServiceInstance> instances);
}
