package dev.roster.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link LocalEnsemble.Builder} has been told so far, each setting checked as it is set
 * and the settings checked together when they are frozen into {@link EnsembleSettings}. The
 * builder's Javadoc gives the defaults and the rules.
 */
final class EnsembleOptions {
  private int size = 3;
  private Timings timings = Timings.ofTick(200);
  private int initLimit = 20;
  private int syncLimit = 10;
  private @Nullable Path baseDir;
  private List<String> jvmOptions = List.of();
  private Duration startTimeout = Duration.ofSeconds(60);
  private List<Integer> clientPorts = List.of();
  private FreePorts freePorts = FreePorts.SYSTEM;

  void size(int size) {
    if (size < 3 || size % 2 == 0) {
      throw new IllegalArgumentException(
          "ensemble size " + size + ": must be odd and at least 3 (3, 5, 7, ...)");
    }
    this.size = size;
  }

  void tickTime(Duration tickTime) {
    this.timings = timings.withTickTime(tickTime);
  }

  void minSessionTimeout(Duration minSessionTimeout) {
    this.timings = timings.withMinSessionTimeout(minSessionTimeout);
  }

  void maxSessionTimeout(Duration maxSessionTimeout) {
    this.timings = timings.withMaxSessionTimeout(maxSessionTimeout);
  }

  void initLimit(int ticks) {
    this.initLimit = positiveTicks("init limit", ticks);
  }

  void syncLimit(int ticks) {
    this.syncLimit = positiveTicks("sync limit", ticks);
  }

  void baseDir(Path baseDir) {
    this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
  }

  void clientPorts(List<Integer> clientPorts) {
    List<Integer> copy = List.copyOf(clientPorts);
    for (int port : copy) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("client port " + port + ": must be 0 to 65535");
      }
      if (port != 0 && copy.indexOf(port) != copy.lastIndexOf(port)) {
        throw new IllegalArgumentException("client port " + port + ": given twice in " + copy);
      }
    }
    this.clientPorts = copy;
  }

  void jvmOptions(List<String> jvmOptions) {
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  void startTimeout(Duration startTimeout) {
    Objects.requireNonNull(startTimeout, "startTimeout");
    if (startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("start timeout " + startTimeout + ": must be positive");
    }
    this.startTimeout = startTimeout;
  }

  void freePorts(FreePorts freePorts) {
    this.freePorts = Objects.requireNonNull(freePorts, "freePorts");
  }

  /** The directory given, or null for a temporary one. */
  @Nullable Path baseDir() {
    return baseDir;
  }

  /**
   * The settings, every default filled in.
   *
   * @throws IllegalArgumentException if client ports were given for another size, or the
   *     minimum session timeout exceeds the maximum
   */
  EnsembleSettings settings() {
    Timings resolved = timings.resolve();
    if (!clientPorts.isEmpty() && clientPorts.size() != size) {
      throw new IllegalArgumentException(
          "client ports " + clientPorts + ": expected one per member, " + size);
    }
    return new EnsembleSettings(
        size, resolved, initLimit, syncLimit, jvmOptions, startTimeout, clientPorts, freePorts);
  }

  private static int positiveTicks(String name, int ticks) {
    if (ticks < 1) {
      throw new IllegalArgumentException(name + " " + ticks + ": must be at least 1 tick");
    }
    return ticks;
  }
}
