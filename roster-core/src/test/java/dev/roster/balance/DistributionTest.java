package dev.roster.balance;

import static dev.roster.balance.Fixtures.count;
import static dev.roster.balance.Fixtures.instances;
import static dev.roster.balance.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.roster.ServiceInstance;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** 100,000 picks with a fixed seed: every strategy lands where its contract says. */
class DistributionTest {
  private static final int PICKS = 100_000;
  private static final long SEED = 42;

  /** Each share within 2% (relative) of what is expected. */
  private static void assertShares(Map<String, Integer> counts, List<ServiceInstance> instances) {
    long total = instances.stream().mapToLong(ServiceInstance::weight).sum();
    for (ServiceInstance i : instances) {
      double expected = (double) i.weight() / total;
      double actual = counts.getOrDefault(i.id(), 0) / (double) PICKS;
      assertThat(actual).as("share of %s", i.id()).isCloseTo(expected, within(expected * 0.02));
    }
  }

  @Test
  void randomIsWithinTwoPercentOfEven() {
    List<ServiceInstance> list = instances(5);
    Picker picker = Strategies.random(new Random(SEED)).newPicker(list);
    assertShares(count(PICKS, picker::pick), list);
  }

  @Test
  void weightedRandomIsWithinTwoPercentOfTheWeights() {
    List<ServiceInstance> list = weighted(100, 200, 300, 400);
    Picker picker = Strategies.weightedRandom(new Random(SEED)).newPicker(list);
    assertShares(count(PICKS, picker::pick), list);
  }

  @Test
  void weightedRandomNeverPicksWeightZeroUnlessAllAreZero() {
    Picker picker = Strategies.weightedRandom(new Random(SEED)).newPicker(weighted(0, 50, 0, 150));
    Map<String, Integer> counts = count(PICKS, picker::pick);
    assertThat(counts).containsOnlyKeys("w1", "w3");
    assertThat(counts.get("w3") / (double) PICKS).isCloseTo(0.75, within(0.75 * 0.02));

    Map<String, Integer> allZero = count(PICKS, Strategies.weightedRandom(new Random(SEED))
        .newPicker(weighted(0, 0, 0, 0))::pick);
    assertThat(allZero).hasSize(4).allSatisfy((id, c) -> assertThat(c).isBetween(24_500, 25_500));
  }

  @Test
  void roundRobinIsExactlyEvenOverAHundredThousandPicks() {
    Picker picker = Strategies.roundRobin().newPicker(instances(8));
    assertThat(count(PICKS, picker::pick)).hasSize(8).allSatisfy((id, c) -> assertThat(c).isEqualTo(PICKS / 8));
  }

  @Test
  void smoothWeightedRoundRobinGivesExactSharesOverFullPeriods() {
    // Weights 10:20:30:40 reduce to 1:2:3:4, a period of 10; 100,000 picks are 10,000 periods.
    List<ServiceInstance> list = weighted(10, 20, 30, 40);
    Picker picker = Strategies.smoothWeightedRoundRobin().newPicker(list);
    Map<String, Integer> counts = count(PICKS, picker::pick);
    assertThat(counts).containsEntry("w0", 10_000).containsEntry("w1", 20_000)
        .containsEntry("w2", 30_000).containsEntry("w3", 40_000);
  }

  @Test
  void emptyListsPickNullForEveryStrategy() {
    for (Strategy s : List.of(Strategies.roundRobin(), Strategies.random(), Strategies.weightedRandom(),
        Strategies.smoothWeightedRoundRobin(), Strategies.powerOfTwoChoices(), Strategies.rendezvous(),
        Strategies.weightedRendezvous(), Strategies.zoneAware("a", 0.5, Strategies.roundRobin()))) {
      Picker p = s.newPicker(List.of());
      assertThat(p.pick()).as("%s", s).isNull();
      assertThat(p.pick(7L)).as("%s", s).isNull();
      assertThat(p.acquire()).as("%s", s).isNull();
    }
  }
}
