package dev.roster.balance;

import static dev.roster.balance.Fixtures.count;
import static dev.roster.balance.Fixtures.sequence;
import static dev.roster.balance.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SmoothWeightedRoundRobinTest {

  /** nginx's algorithm as nginx runs it, with mutable state, single-threaded: the reference. */
  private static List<Integer> nginx(int[] weights, int picks) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int[] current = new int[weights.length];
    List<Integer> out = new ArrayList<>();
    for (int k = 0; k < picks; k++) {
      int best = -1;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (best == -1 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      out.add(best);
    }
    return out;
  }

  /** The longest run of {@code id}, counting runs that wrap from one period into the next. */
  private static int longestRun(List<String> periods, String id) {
    int longest = 0;
    int run = 0;
    for (String s : periods) {
      run = s.equals(id) ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    return longest;
  }

  @Test
  void weightsFiveOneOneGiveNginxsOwnExample() {
    Picker picker = Strategies.smoothWeightedRoundRobin().newPicker(weighted(5, 1, 1));
    // nginx documents {a a b a c a a} for weights 5, 1, 1 (ngx_http_upstream_round_robin.c).
    assertThat(sequence(14, picker)).containsExactly(
        "w0", "w0", "w1", "w0", "w2", "w0", "w0",
        "w0", "w0", "w1", "w0", "w2", "w0", "w0");
  }

  @Test
  void sequenceIsExactlyNginxsForManyWeightSets() {
    Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(6);
      int[] w = new int[n];
      for (int i = 0; i < n; i++) {
        w[i] = 1 + random.nextInt(50);
      }
      Picker picker = Strategies.smoothWeightedRoundRobin().newPicker(weighted(w));
      List<Integer> expected = nginx(w, 3 * sum(w));
      List<String> actual = sequence(expected.size(), picker);
      for (int k = 0; k < expected.size(); k++) {
        assertThat(actual.get(k)).as("pick %d of weights %s", k, java.util.Arrays.toString(w))
            .isEqualTo("w" + expected.get(k));
      }
    }
  }

  @Test
  void neverPicksAHeavyInstanceMoreTimesInARowThanItsWeightAllows() {
    for (int[] w : new int[][] {{5, 1, 1}, {10, 1, 1}, {1, 8, 1}, {50, 30, 20}, {100, 1}, {3, 5, 3, 57}}) {
      List<ServiceInstance> list = weighted(w);
      int total = sum(w);
      // Three whole periods, so runs that cross from one period into the next are seen.
      List<String> periods = sequence(3 * total, Strategies.smoothWeightedRoundRobin().newPicker(list));
      for (int i = 0; i < w.length; i++) {
        int run = longestRun(periods, "w" + i);
        assertThat(run).as("longest run of weight %d in %s", w[i], java.util.Arrays.toString(w))
            .isLessThanOrEqualTo(w[i]);
        if (w[i] < total) {
          // Smooth, not bursty: at most twice the shortest run the share allows, ceil(w / (total - w)).
          int shortest = (w[i] + (total - w[i]) - 1) / (total - w[i]);
          assertThat(run).as("longest run of weight %d in %s", w[i], java.util.Arrays.toString(w))
              .isLessThanOrEqualTo(2 * shortest);
        }
      }
    }
    // Naive weighted round robin would run a heavy instance for its whole weight.
    assertThat(longestRun(sequence(21, Strategies.smoothWeightedRoundRobin().newPicker(weighted(5, 1, 1))), "w0"))
        .isEqualTo(4);
  }

  @Test
  void sharesAreExactAcrossThreads() throws Exception {
    Picker picker = Strategies.smoothWeightedRoundRobin().newPicker(weighted(5, 3, 2));
    int threads = 4;
    int perThread = 25_000; // 100,000 picks = 10,000 whole periods of 10
    Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          counts.computeIfAbsent(picker.pick().id(), k -> new AtomicInteger()).incrementAndGet();
        }
      });
      th.start();
      workers.add(th);
    }
    start.countDown();
    for (Thread th : workers) {
      th.join();
    }
    assertThat(counts.get("w0").get()).isEqualTo(50_000);
    assertThat(counts.get("w1").get()).isEqualTo(30_000);
    assertThat(counts.get("w2").get()).isEqualTo(20_000);
  }

  @Test
  void gcdIsDividedOutAndWeightZeroIsNeverPicked() {
    // 400:200:200 is 2:1:1, a period of 4 (nginx: 2,1,1 -> a; 0,2,2 -> b; 2,-1,3 -> c; 4,0,0 -> a).
    assertThat(SmoothWeightedRoundRobin.period(new long[] {400, 200, 200}, 1 << 16)).containsExactly(0, 1, 2, 0);
    Picker picker = Strategies.smoothWeightedRoundRobin().newPicker(weighted(0, 7, 0, 3));
    Map<String, Integer> counts = count(1000, picker::pick);
    assertThat(counts).containsOnlyKeys("w1", "w3").containsEntry("w1", 700).containsEntry("w3", 300);
  }

  @Test
  void aHugePeriodIsScaledDownToTheCapWithNearlyExactShares() {
    // Coprime weights: the exact period would be 1,999,999 picks.
    int[] period = SmoothWeightedRoundRobin.period(new long[] {1_000_000, 999_998, 1}, 1 << 16);
    assertThat(period.length).isLessThanOrEqualTo((1 << 16) + 3);
    long zero = java.util.Arrays.stream(period).filter(i -> i == 0).count();
    long two = java.util.Arrays.stream(period).filter(i -> i == 2).count();
    assertThat(zero / (double) period.length).isBetween(0.49, 0.51);
    assertThat(two).isEqualTo(1); // a positive weight keeps at least one pick per period
  }

  private static int sum(int[] w) {
    int s = 0;
    for (int x : w) {
      s += x;
    }
    return s;
  }
}
