package dev.roster.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Medians, percentiles and the machine line the agent benchmarks print with their tables. */
final class Stats {
  private Stats() {}

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  /** The nearest-rank percentile of {@code values}, which is sorted in place. */
  static long percentile(long[] values, double p) {
    Arrays.sort(values);
    int rank = (int) Math.ceil(p / 100.0 * values.length);
    return values[Math.max(0, Math.min(values.length - 1, rank - 1))];
  }

  /** "median (min–max)" with the given format for each figure. */
  static String spread(List<Double> values, String format) {
    return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", median(values), min(values),
        max(values));
  }

  /**
   * The load averages over 1, 5 and 15 minutes: the machine is shared, and a figure taken
   * while other work held the cores says so beside it.
   */
  static String load() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return "load average " + parts[0] + ", " + parts[1] + ", " + parts[2];
    } catch (IOException e) {
      return "load average unknown";
    }
  }

  /** Cores, CPU model and JVM, for the report's machine line. */
  static String machine() {
    String model = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          model = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException e) {
      // Not Linux: the core count and JVM still say enough.
    }
    return Runtime.getRuntime().availableProcessors() + " cores, " + model + ", Java "
        + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")";
  }
}
