package dev.roster.cli;

import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.embedded.PortInUseException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code roster up}: runs everything a developer needs on one machine, in the foreground, until
 * Ctrl-C.
 *
 * <p>It is a stack of parts: each is started in turn, pushed onto {@link #running}, described
 * in the banner, and closed in reverse order on the way out, including when a later part fails
 * to start. Today the only part is the embedded ZooKeeper; the HTTP agent and the dashboard
 * join as further parts that start after it and stop before it.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    versionProvider = RosterCommand.Version.class,
    usageHelpAutoWidth = true,
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Start a local ZooKeeper on 127.0.0.1 and keep it running until Ctrl-C.",
        "",
        "Its data (znodes and sessions) is kept in --data-dir, so a restart picks up where it "
            + "left off."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster up                       # 127.0.0.1:2181, data in ./roster-data",
        "  roster up --zk-port 2182 --data-dir /tmp/roster",
        "  roster up --zk-port 0           # any free port; the banner says which",
        "  roster up --tick-time 200ms     # dead clients' sessions expire sooner"
    })
final class UpCommand implements Callable<Integer> {

  @ParentCommand RosterCommand root;
  @Spec CommandSpec spec;

  @Option(
      names = "--zk-port",
      paramLabel = "PORT",
      defaultValue = "2181",
      description = "The port ZooKeeper listens on, on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int zkPort;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "roster-data",
      description = "Where ZooKeeper keeps its data, relative to the current directory (default: ./${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--tick-time",
      paramLabel = "DURATION",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description = {
          "ZooKeeper's tick; sessions may last 2 to 20 ticks (default: ${DEFAULT-VALUE}).",
          "A dead client's instances disappear when its session times out."
      })
  Duration tickTime;

  /** What has started, most recent first; closed in that order. */
  private final Deque<AutoCloseable> running = new ArrayDeque<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      EmbeddedZooKeeper zooKeeper = startZooKeeper();
      printBanner(out, zooKeeper);
      root.stop().await();
      out.println("stopping...");
      out.flush();
    } finally {
      stopAll();
    }
    out.println("stopped");
    out.flush();
    return ExitCodes.OK;
  }

  private EmbeddedZooKeeper startZooKeeper() {
    Path dir = dataDir.toAbsolutePath().normalize();
    EmbeddedZooKeeper.Builder builder = EmbeddedZooKeeper.builder()
        .port(zkPort)
        .dataDir(dir)
        .tickTime(tickTime);
    EmbeddedZooKeeper zooKeeper;
    try {
      zooKeeper = builder.start();
    } catch (PortInUseException e) {
      throw new CommandFailure(e.getMessage() + "; pass --zk-port to choose another", e);
    } catch (UncheckedIOException e) {
      throw new CommandFailure(e.getMessage(), e);
    }
    running.push(zooKeeper);
    return zooKeeper;
  }

  private void printBanner(PrintWriter out, EmbeddedZooKeeper zooKeeper) {
    String roster = Main.commandName();
    String zk = zooKeeper.port() == 2181 ? "" : " --zk " + zooKeeper.connectString();
    out.println("Roster is up.");
    out.println();
    out.println("  ZooKeeper  " + zooKeeper.connectString() + "   (data in " + zooKeeper.dataDir() + ")");
    out.println();
    out.println("Try it, each in a terminal of its own:");
    out.println("  " + roster + " watch payments" + zk);
    out.println("  " + roster + " register payments --address 127.0.0.1 --port 8081 --id p1" + zk);
    out.println("  " + roster + " ls payments" + zk);
    out.println("Then stop the register command with Ctrl-C and watch p1 go.");
    out.println();
    out.println("Ctrl-C here stops ZooKeeper.");
    out.flush();
  }

  private void stopAll() {
    while (!running.isEmpty()) {
      AutoCloseable part = running.pop();
      try {
        part.close();
      } catch (Exception e) {
        spec.commandLine().getErr().println("roster up: while stopping " + part + ": " + e.getMessage());
      }
    }
  }
}
