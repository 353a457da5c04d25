package dev.roster.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Chooses TCP ports on 127.0.0.1 that are free now, for servers that another process will bind a
 * moment later.
 *
 * <p>The default picks at random outside the operating system's ephemeral range, and checks each
 * port by binding it. Ports from the ephemeral range (what {@code new ServerSocket(0)} returns)
 * are the ones the system hands to every outgoing connection: one released by a member that was
 * killed could be taken by some client's connection before the member is started again on it.
 * Outside that range only a process that asks for the very port can take it.
 */
@FunctionalInterface
interface FreePorts {
  /** The lowest port the default picks from; below are the well-known and registered services. */
  int LOWEST = 10_000;

  /** The default: random ports outside the ephemeral range, checked by binding them. */
  FreePorts SYSTEM = FreePorts::pickOutsideEphemeralRange;

  /**
   * Returns {@code count} distinct ports that are free now.
   *
   * @param count how many
   * @return distinct ports, 1 to 65535
   */
  List<Integer> pick(int count);

  /**
   * Returns whether every one of {@code ports} can be bound on 127.0.0.1 now, as ZooKeeper binds
   * them: with {@code SO_REUSEADDR}, so that connections of a previous server lingering in
   * TIME_WAIT do not count.
   *
   * @param ports the ports to check
   * @return true if all are free
   */
  static boolean allFree(Collection<Integer> ports) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int port : ports) {
        @Nullable ServerSocket socket = tryBind(port, true);
        if (socket == null) {
          return false;
        }
        held.add(socket);
      }
      return true;
    } finally {
      held.forEach(FreePorts::closeQuietly);
    }
  }

  private static List<Integer> pickOutsideEphemeralRange(int count) {
    int[][] ranges = nonEphemeralRanges();
    int span = 0;
    for (int[] range : ranges) {
      span += range[1] - range[0] + 1;
    }
    // All chosen sockets stay bound until the end, so the ports are distinct and none of them is
    // handed out by the system meanwhile.
    Set<Integer> chosen = new LinkedHashSet<>();
    List<ServerSocket> held = new ArrayList<>();
    try {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int tries = 0; span > 0 && chosen.size() < count && tries < 100 * count; tries++) {
        int port = nth(ranges, random.nextInt(span));
        if (chosen.contains(port)) {
          continue;
        }
        ServerSocket socket = tryBind(port, false);
        if (socket != null) {
          held.add(socket);
          chosen.add(port);
        }
      }
      // Nearly every port outside the ephemeral range taken, or no such range: let the system
      // choose, which is still right except for the rare race described above.
      while (chosen.size() < count) {
        ServerSocket socket = tryBind(0, false);
        if (socket == null) {
          throw new IllegalStateException("cannot find a free port on 127.0.0.1");
        }
        held.add(socket);
        chosen.add(socket.getLocalPort());
      }
      return List.copyOf(chosen);
    } finally {
      held.forEach(FreePorts::closeQuietly);
    }
  }

  /**
   * Returns the port ranges outside the ephemeral range, from {@link #LOWEST} up. Linux tells its
   * range; elsewhere 32768 and up is assumed ephemeral, which covers the BSDs, macOS (49152 and
   * up) and Windows.
   */
  private static int[][] nonEphemeralRanges() {
    int low = 32_768;
    int high = 65_535;
    Path linux = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    try {
      if (Files.isReadable(linux)) {
        // Not Files.readString: it trusts the size procfs reports and reads part of the file.
        String range;
        try (InputStream in = Files.newInputStream(linux)) {
          range = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        String[] bounds = range.trim().split("\\s+");
        low = Integer.parseInt(bounds[0]);
        high = Integer.parseInt(bounds[1]);
      }
    } catch (IOException | RuntimeException e) {
      // Keep the assumption above.
    }
    List<int[]> ranges = new ArrayList<>();
    if (low - 1 >= LOWEST) {
      ranges.add(new int[] {LOWEST, low - 1});
    }
    if (high < 65_535) {
      ranges.add(new int[] {Math.max(LOWEST, high + 1), 65_535});
    }
    return ranges.toArray(new int[0][]);
  }

  private static int nth(int[][] ranges, int n) {
    for (int[] range : ranges) {
      int size = range[1] - range[0] + 1;
      if (n < size) {
        return range[0] + n;
      }
      n -= size;
    }
    throw new IllegalArgumentException("offset beyond the ranges: " + n);
  }

  /**
   * Binds the port, or returns null. New ports are picked without SO_REUSEADDR, so that one with
   * lingering connections of an earlier user is passed over.
   */
  private static @Nullable ServerSocket tryBind(int port, boolean reuseAddress) {
    ServerSocket socket = null;
    try {
      socket = new ServerSocket();
      socket.setReuseAddress(reuseAddress);
      socket.bind(new InetSocketAddress(Loopback.inetAddress(), port), 1);
      return socket;
    } catch (IOException e) {
      if (socket != null) {
        closeQuietly(socket);
      }
      return null;
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Only a check; nothing depends on this socket.
    }
  }
}
