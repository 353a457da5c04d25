package dev.roster.bench;

import dev.roster.embedded.EmbeddedZooKeeper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** What {@link FirstViewBench} and the scale bench share: the server's quiet counts, medians, versions. */
final class ViewBenchSupport {
  private ViewBenchSupport() {}

  /** The server's request counts once they have not moved (pings aside) for 200 ms, or after 10 s. */
  static Map<String, Long> quietCounts(EmbeddedZooKeeper server) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Map<String, Long> last = server.requestCounts();
    while (System.nanoTime() < deadline) {
      Thread.sleep(200); // outside any timed section: waiting for traffic that may or may not come
      Map<String, Long> now = server.requestCounts();
      if (withoutPings(now) == withoutPings(last)) {
        return now;
      }
      last = now;
    }
    return last;
  }

  static long withoutPings(Map<String, Long> counts) {
    return counts.entrySet().stream().filter(e -> !e.getKey().equals("ping")).mapToLong(Map.Entry::getValue).sum();
  }

  /** {@code after - before}, per request type, leaving out types that did not move. */
  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> delta = new TreeMap<>();
    after.forEach((op, count) -> {
      long d = count - before.getOrDefault(op, 0L);
      if (d != 0) {
        delta.put(op, d);
      }
    });
    return delta;
  }

  static double median(double[] sorted) {
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** The version Maven recorded in the jar; the shaded jar drops the manifests that would say it. */
  static String version(String groupId, String artifactId) {
    String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
    try (InputStream in = ViewBenchSupport.class.getResourceAsStream(resource)) {
      if (in == null) {
        return "(unknown version)";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "(unknown version)");
    } catch (IOException e) {
      return "(unknown version)";
    }
  }
}
