package dev.roster.embedded;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the ports of an ensemble's members. Ports are picked outside the ephemeral range (see
 * {@link FreePorts}); with a kept base directory the ports of the previous run are reused when
 * they are all free, so that the connect string outlives a restart of the whole ensemble.
 */
final class PortPlan {
  private static final Logger LOG = LoggerFactory.getLogger(PortPlan.class);

  /** What a member logs when it cannot bind a port, on Linux and macOS alike. */
  static final String ADDRESS_IN_USE = "Address already in use";

  private final EnsembleSettings settings;
  private final Path baseDir;
  private final boolean temporaryBaseDir;
  private final IntFunction<Path> configFileOfMember;

  /**
   * @param configFileOfMember the {@code zoo.cfg} of the member with the given id
   */
  PortPlan(
      EnsembleSettings settings,
      Path baseDir,
      boolean temporaryBaseDir,
      IntFunction<Path> configFileOfMember) {
    this.settings = settings;
    this.baseDir = baseDir;
    this.temporaryBaseDir = temporaryBaseDir;
    this.configFileOfMember = configFileOfMember;
  }

  /**
   * The ports of the first attempt: the given client ports (after checking they are free), else
   * the previous run's ports when the base directory is kept and they are all free, else new.
   *
   * @throws PortInUseException if a given client port is taken
   */
  List<Ports> initial() {
    for (int port : settings.clientPorts()) {
      if (port != 0 && !FreePorts.allFree(List.of(port))) {
        throw new PortInUseException(port, new BindException(ADDRESS_IN_USE));
      }
    }
    if (settings.clientPorts().isEmpty() && !temporaryBaseDir) {
      List<Ports> previous = previous();
      if (previous != null) {
        List<Integer> all = new ArrayList<>();
        previous.forEach(p -> all.addAll(p.all()));
        if (FreePorts.allFree(all)) {
          return previous;
        }
        LOG.info("ports of the previous run in {} are taken; choosing new ones", baseDir);
      }
    }
    return fresh();
  }

  /** New quorum and election ports for all, and client ports for those not given. */
  List<Ports> fresh() {
    int size = settings.size();
    List<Integer> given = settings.clientPorts();
    int clientPortsToPick =
        given.isEmpty() ? size : (int) given.stream().filter(p -> p == 0).count();
    int needed = 2 * size + clientPortsToPick;
    // Ask for a few more, since a pick may coincide with a given port.
    List<Integer> picked = new ArrayList<>(settings.freePorts().pick(needed + given.size()));
    picked.removeAll(given);
    if (picked.size() < needed) {
      throw new IllegalStateException(
          "cannot find " + needed + " free ports on " + Loopback.ADDRESS);
    }
    int next = 0;
    List<Ports> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int client = given.isEmpty() || given.get(i) == 0 ? picked.get(next++) : given.get(i);
      ports.add(new Ports(client, picked.get(next++), picked.get(next++)));
    }
    return ports;
  }

  /** The ports in the zoo.cfg files of a previous run of this size, or null if there are none. */
  private @Nullable List<Ports> previous() {
    List<Path> files = new ArrayList<>();
    for (int id = 1; id <= settings.size(); id++) {
      files.add(configFileOfMember.apply(id));
    }
    try {
      return ZooCfg.readPorts(files);
    } catch (IOException | RuntimeException e) {
      LOG.debug("no usable ports from a previous run in {}", baseDir, e);
      return null;
    }
  }
}
