package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.testing.ZooKeeperExtension;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 10,000 generated HTTP requests ({@link HttpRequestGenerator}) against a real agent on a real
 * ZooKeeper, over kept-alive connections: never a 500, every error JSON with an {@code error}
 * field, and nothing written in ZooKeeper outside the base path. {@code -Droster.fuzz.seed=N}
 * replays a run; every failure names its seed and request.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AgentHttpGeneratedIT {
  static final int CASES = 10_000;

  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void noRequestGetsA500OrAnErrorThatIsNotJsonOrWritesOutsideTheBasePath() throws Exception {
    // Fixed unless asked, so that every build sends the same requests (as roster-core's FuzzSeed).
    String given = System.getProperty("roster.fuzz.seed");
    long seed = given == null || given.isBlank() ? 20_261_201L
        : given.equals("random") ? ThreadLocalRandom.current().nextLong() : Long.parseLong(given.strip());
    SplittableRandom master = new SplittableRandom(seed);
    Map<Integer, Integer> statuses = new TreeMap<>();
    long start = System.nanoTime();
    try (AgentUnderFuzz under = new AgentUnderFuzz(zk.connectString())) {
      for (int i = 0; i < CASES; i++) {
        RawHttp.Request request = HttpRequestGenerator.next(master.split());
        String replay = "case " + i + " of seed " + seed + " (replay with -Droster.fuzz.seed=" + seed + ")";
        statuses.merge(under.check(request, replay).status(), 1, Integer::sum);
      }
      under.assertNothingOutsideTheBasePath();
      System.out.printf("AgentHttpGeneratedIT: %d requests over %d connections in %d ms, statuses %s, seed %d%n",
          CASES, under.http.connections(), (System.nanoTime() - start) / 1_000_000, statuses, seed);
      assertThat(statuses).as("seed %d", seed).containsKeys(200, 400, 404, 405);
      // Every request Jetty itself refuses (about half of these) ends its connection, and says so.
      assertThat(under.http.connections()).as("kept alive").isLessThan(CASES * 3 / 4);
    }
  }
}
