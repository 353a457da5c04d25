package dev.roster.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The configuration of an ensemble member, {@code zoo.cfg} beside {@code myid}: written at every
 * start of the ensemble, and read back by the next run on a kept base directory for the ports to
 * reuse. Both directions live here so that the reader always reads what the writer writes.
 */
final class ZooCfg {
  /** The four-letter commands members answer; {@code srvr} is how the ensemble observes them. */
  static final String FOUR_LETTER_WORDS = "srvr,stat,ruok,mntr,cons";

  private ZooCfg() {}

  /**
   * Writes member {@code id}'s {@code zoo.cfg} to {@code file} and its {@code myid} to {@code
   * dataDir} (only if it differs, so that a kept data directory is not touched needlessly).
   *
   * @param all the ports of every member, in id order
   * @throws UncheckedIOException naming the member and its directory
   */
  static void write(EnsembleSettings settings, int id, Path file, Path dataDir, List<Ports> all) {
    Timings timings = settings.timings();
    StringBuilder config = new StringBuilder();
    config.append("# Written by Roster's LocalEnsemble at every start of the ensemble.\n");
    line(config, "tickTime", timings.tickTimeMs());
    line(config, "initLimit", settings.initLimit());
    line(config, "syncLimit", settings.syncLimit());
    line(config, "dataDir", propertyValue(dataDir.toString()));
    line(config, "clientPort", all.get(id - 1).client());
    line(config, "clientPortAddress", Loopback.ADDRESS);
    line(config, "minSessionTimeout", timings.minSessionTimeoutMs());
    line(config, "maxSessionTimeout", timings.maxSessionTimeoutMs());
    // ZooKeeper's default allows 60 connections from one address, and every client of the
    // ensemble comes from 127.0.0.1.
    line(config, "maxClientCnxns", 0);
    line(config, "admin.enableServer", false);
    line(config, "4lw.commands.whitelist", FOUR_LETTER_WORDS);
    line(config, "reconfigEnabled", false);
    line(config, "standaloneEnabled", false);
    line(config, "forceSync", "no");
    // Transaction log files grow in steps of this many KiB (default 64 MiB per member).
    line(config, "preAllocSize", 4_096);
    // Keeps a kept base directory from filling up with old snapshots over weeks of use.
    line(config, "autopurge.snapRetainCount", 3);
    line(config, "autopurge.purgeInterval", 1);
    for (int i = 0; i < all.size(); i++) {
      Ports ports = all.get(i);
      line(config, "server." + (i + 1), serverValue(ports));
    }
    try {
      Files.createDirectories(dataDir);
      Path myid = dataDir.resolve("myid");
      String myidText = id + "\n";
      if (!Files.isRegularFile(myid) || !Files.readString(myid).equals(myidText)) {
        Files.writeString(myid, myidText);
      }
      Files.writeString(file, config);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the configuration of member " + id + " in " + file.getParent(), e);
    }
  }

  /**
   * Reads the ports back from the {@code zoo.cfg} files of a previous run: each member's client
   * port from its own file, the quorum and election ports from the first member's list.
   *
   * @param files one per member, in id order
   * @return the ports in id order, or null if a file is missing or unreadable
   * @throws IOException if a file cannot be read
   * @throws RuntimeException if a file does not hold what {@link #write} writes
   */
  static @Nullable List<Ports> readPorts(List<Path> files) throws IOException {
    List<Ports> ports = new ArrayList<>();
    @Nullable Properties first = null;
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      if (!Files.isRegularFile(file)) {
        return null;
      }
      Properties properties = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        properties.load(in);
      }
      if (first == null) {
        first = properties;
      }
      String[] server = first.getProperty("server." + (i + 1), "").split(":");
      ports.add(
          new Ports(
              Integer.parseInt(properties.getProperty("clientPort", "")),
              Integer.parseInt(server[1]),
              Integer.parseInt(server[2])));
    }
    return ports;
  }

  /** {@code 127.0.0.1:QUORUM:ELECTION}, the form {@link #readPorts} parses. */
  private static String serverValue(Ports ports) {
    return Loopback.ADDRESS + ":" + ports.quorum() + ":" + ports.election();
  }

  private static void line(StringBuilder config, String key, Object value) {
    config.append(key).append('=').append(value).append('\n');
  }

  /** Escapes what java.util.Properties, which reads zoo.cfg, would take as an escape. */
  private static String propertyValue(String value) {
    return value.replace("\\", "\\\\");
  }
}
