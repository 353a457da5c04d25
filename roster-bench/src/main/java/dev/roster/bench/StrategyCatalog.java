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
      case "weightedRandom":
        return Strategies.weightedRandom();
      case "smoothWeightedRoundRobin":
        return Strategies.smoothWeightedRoundRobin();
      case "powerOfTwoChoices":
        return Strategies.powerOfTwoChoices();
      case "rendezvous":
        return Strategies.rendezvous();
      case "weightedRendezvous":
        return Strategies.weightedRendezvous();
      case "zoneAwareRoundRobin":
        // The fixture spreads instances over zone-a, zone-b and zone-c.
        return Strategies.zoneAware("zone-a", 0.5, Strategies.roundRobin());
      default:
        throw new IllegalArgumentException("strategy '" + name + "': unknown to the benchmark");
    }
  }
}
