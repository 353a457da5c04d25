package dev.roster.cli;

import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.RosterException;
import dev.roster.codec.InstanceCodec;
import java.time.Duration;
import picocli.CommandLine.Mixin;
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

  @Mixin ZooKeeperSecurity security;

  /** Connects, or fails with one line that names the connect string. */
  Roster connect() {
    return connect(RosterEventListener.NONE);
  }

  /** Connects with a listener for connection and registration events. */
  Roster connect(RosterEventListener events) {
    return connect(events, InstanceCodec.springCloud());
  }

  /** Connects with a codec other than the default. */
  Roster connect(InstanceCodec codec) {
    return connect(RosterEventListener.NONE, codec);
  }

  /**
   * Connects with a listener and a codec; a failure to connect is {@link
   * ExitCodes#UNREACHABLE}.
   */
  Roster connect(RosterEventListener events, InstanceCodec codec) {
    Roster.Builder builder = Roster.builder()
        .connectString(connectString)
        .basePath(basePath)
        .connectionTimeout(timeout)
        .operationTimeout(timeout)
        .codec(codec)
        .eventListener(events);
    security.apply(builder);
    try {
      return builder.build();
    } catch (RosterException e) {
      throw CommandFailure.unreachable(e.getMessage() + reachHint(), e);
    }
  }

  /** {@code 127.0.0.1:2181/services}, for messages. */
  String where() {
    return connectString + basePath;
  }

  /** The znode of a service: {@code /services/payments}, or {@code /servers} under the root. */
  String servicePath(String service) {
    return basePath.equals("/") ? "/" + service : basePath + "/" + service;
  }

  /**
   * The hint for a failure to reach ZooKeeper, appended to messages so every command gives the
   * same advice.
   */
  static String reachHint() {
    return "; is `roster up` running, or does --zk name the right server?";
  }
}
