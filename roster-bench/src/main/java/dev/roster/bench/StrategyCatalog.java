package dev.roster.bench;

import dev.roster.balance.Strategies;
import dev.roster.balance.Strategy;

/** The strategies benchmarked, by the name used in JMH's {@code strategy} parameter. */
final class StrategyCatalog {
  private StrategyCatalog() {}

  static Strategy byName(String name) {
    switch (name) {
      case "roundRobin":
        return Strategies.roundRobin();
      case "random":
        return Strategies.random();
      default:
        throw new IllegalArgumentException("strategy '" + name + "': unknown to the benchmark");
    }
  }
}
