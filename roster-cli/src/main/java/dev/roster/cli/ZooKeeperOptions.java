package dev.roster.cli;

import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.RosterException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the client commands find ZooKeeper, and how long they wait for it. */
final class ZooKeeperOptions {

  @Option(
      names = "--zk",
      paramLabel = "HOST:PORT[,...]",
      defaultValue = "127.0.0.1:2181",
      description = "ZooKeeper to talk to: one server or a whole ensemble (default: ${DEFAULT-VALUE}).")
  String connectString;

  @Option(
      names = "--base-path",
      paramLabel = "PATH",
      defaultValue = "/services",
      description = "The znode under which services live (default: ${DEFAULT-VALUE}).")
  String basePath;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "How long to wait to connect, and for each operation (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /** Connects, or fails with one line that names the connect string. */
  Roster connect() {
    return connect(RosterEventListener.NONE);
  }

  /** Connects with a listener for connection and registration events. */
  Roster connect(RosterEventListener events) {
    Roster.Builder builder = Roster.builder()
        .connectString(connectString)
        .basePath(basePath)
        .connectionTimeout(timeout)
        .operationTimeout(timeout)
        .eventListener(events);
    try {
      return builder.build();
    } catch (RosterException e) {
      throw new CommandFailure(e.getMessage() + "; is `roster up` running, or does --zk name the right server?", e);
    }
  }

  /** {@code 127.0.0.1:2181/services}, for messages. */
  String where() {
    return connectString + basePath;
  }
}
