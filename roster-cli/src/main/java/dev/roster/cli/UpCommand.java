package dev.roster.cli;

import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.embedded.LocalEnsemble;
import dev.roster.embedded.MemberState;
import dev.roster.embedded.PortInUseException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code roster up}: runs everything a developer needs on one machine, in the foreground, until
 * Ctrl-C.
 *
 * <p>It is a stack of parts: each is started in turn, pushed onto {@link #running}, described
 * in the banner, and closed in reverse order on the way out, including when a later part fails
 * to start. Today the only part is ZooKeeper: the embedded server, or with {@code --ensemble} a
 * {@link LocalEnsemble} of child processes whose changes of mode it reports while it runs; the
 * HTTP agent and the dashboard join as further parts that start after it and stop before it.
 */
@Command(
    name = "up",
    description = {
        "Start a local ZooKeeper on 127.0.0.1 and keep it running until Ctrl-C.",
        "",
        "Its data (znodes and sessions) is kept in --data-dir, so a restart picks up where it "
            + "left off.",
        "",
        "With --ensemble, ZooKeeper is an ensemble of 3 or 5 servers, each a process of its own, "
            + "so that you can kill -9 one (the leader, say) and watch clients carry on."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster up                       # 127.0.0.1:2181, data in ./roster-data",
        "  roster up --zk-port 2182 --data-dir /tmp/roster",
        "  roster up --zk-port 0           # any free port; the banner says which",
        "  roster up --tick-time 200ms     # dead clients' sessions expire sooner",
        "  roster up --ensemble 3          # three servers, for trying failover"
    })
final class UpCommand extends BaseCommand implements Callable<Integer> {
  /** How often the members of an ensemble are asked what they are, to report changes. */
  private static final Duration ENSEMBLE_CHECK = Duration.ofSeconds(1);

  @ParentCommand RosterCommand root;

  /** Initialised, so that --zk-port has its default when neither option is given. */
  @ArgGroup(exclusive = true)
  Servers servers = new Servers();

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "roster-data",
      description = "Where ZooKeeper keeps its data, relative to the current directory (default: "
          + "./${DEFAULT-VALUE}; with --ensemble, ./${DEFAULT-VALUE}/ensemble).")
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

  /**
   * One server on a port of your choice, or an ensemble whose members each get a free port:
   * never both, which picocli refuses as a usage error.
   */
  static final class Servers {
    @Option(
        names = "--zk-port",
        paramLabel = "PORT",
        defaultValue = "2181",
        description = "The port ZooKeeper listens on, on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int zkPort;

    @Option(
        names = "--ensemble",
        paramLabel = "N",
        description = "Run an ensemble of N servers (3 or 5), each a child process, instead of one server in this "
            + "process. Each member gets a free port, kept for the next run on the same --data-dir.")
    Integer ensembleSize;
  }

  /** What has started, most recent first; closed in that order. */
  private final Deque<AutoCloseable> running = new ArrayDeque<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      if (servers.ensembleSize == null) {
        EmbeddedZooKeeper zooKeeper = startZooKeeper();
        printBanner(out, zooKeeper);
        root.stop().await();
      } else {
        LocalEnsemble ensemble = startEnsemble(out);
        printBanner(out, ensemble);
        reportChanges(out, ensemble);
      }
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
        .port(servers.zkPort)
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

  private LocalEnsemble startEnsemble(PrintWriter out) {
    // size() rejects a bad size before anything starts: a usage error, exit code 2.
    LocalEnsemble.Builder builder = LocalEnsemble.builder().size(servers.ensembleSize).tickTime(tickTime);
    Path dir = spec.commandLine().getParseResult().hasMatchedOption("--data-dir")
        ? dataDir
        : dataDir.resolve("ensemble");
    builder.baseDir(dir.toAbsolutePath().normalize());
    out.println("starting " + servers.ensembleSize + " ZooKeeper servers, each a process of its own...");
    out.flush();
    LocalEnsemble ensemble;
    try {
      ensemble = builder.start();
    } catch (IllegalStateException | UncheckedIOException e) {
      throw new CommandFailure(e.getMessage(), e);
    }
    running.push(ensemble);
    return ensemble;
  }

  private void printBanner(PrintWriter out, LocalEnsemble ensemble) {
    String roster = Main.commandName();
    String zk = " --zk " + ensemble.connectString();
    List<MemberState> modes = modes(ensemble);
    out.println("Roster is up: a ZooKeeper ensemble of " + ensemble.size() + " on 127.0.0.1.");
    out.println();
    out.println("  ZooKeeper  " + ensemble.connectString() + "   (data in " + ensemble.baseDir() + ")");
    out.println();
    Table table = new Table("MEMBER", "PORT", "PID", "MODE");
    LocalEnsemble.Member leader = null;
    for (LocalEnsemble.Member member : ensemble.members()) {
      MemberState mode = modes.get(member.id() - 1);
      table.row(member.id(), member.clientPort(), member.pid(), mode.word());
      if (mode == MemberState.LEADER) {
        leader = member;
      }
    }
    StringWriter rows = new StringWriter();
    table.print(new PrintWriter(rows));
    rows.toString().lines().forEach(line -> out.println("  " + line));
    out.println();
    out.println("Try failover, each in a terminal of its own:");
    out.println("  " + roster + " watch payments" + zk);
    out.println("  " + roster + " register payments --address 127.0.0.1 --port 8081 --id p1" + zk);
    if (leader != null) {
      out.println("  kill -9 " + leader.pid()
          + "   # the leader: the others elect a new one, and the watch keeps working");
    }
    out.println("Changes of the members show here as they happen. Each member logs to "
        + ensemble.baseDir().resolve("member-N").resolve("zookeeper.log") + ".");
    out.println();
    out.println("Ctrl-C here stops the ensemble; run the same command again to start it on the same data.");
    out.flush();
  }

  /** Until Ctrl-C, prints a line whenever a member changes: goes down, leads, follows. */
  private void reportChanges(PrintWriter out, LocalEnsemble ensemble) {
    List<MemberState> last = modes(ensemble);
    while (!root.stop().await(ENSEMBLE_CHECK)) {
      List<MemberState> now = modes(ensemble);
      if (root.stop().isStopped()) {
        // Ctrl-C in a terminal reaches the members too; their end is not news.
        break;
      }
      // Members that went down first: they are why the others changed.
      for (boolean down : new boolean[] {true, false}) {
        for (LocalEnsemble.Member member : ensemble.members()) {
          MemberState before = last.get(member.id() - 1);
          MemberState after = now.get(member.id() - 1);
          if (before != after && (after == MemberState.DOWN) == down) {
            out.println(Text.now() + "  member " + member.id() + " (pid " + member.pid() + "): "
                + before.word() + " -> " + after.word());
          }
        }
      }
      out.flush();
      last = now;
    }
  }

  /** Each member's state for people, by index: leader, follower, not serving, down. */
  private static List<MemberState> modes(LocalEnsemble ensemble) {
    List<MemberState> modes = new ArrayList<>();
    for (LocalEnsemble.Member member : ensemble.members()) {
      MemberState state = member.state();
      // People here need not tell a silent member from one that says it is not serving.
      boolean silent = state == MemberState.NO_ANSWER || state == MemberState.FROZEN;
      modes.add(silent ? MemberState.NOT_SERVING : state);
    }
    return modes;
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
