package dev.roster.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;

/** {@code roster}: the top of the command tree. Holds what every subcommand shares. */
@Command(
    name = "roster",
    description = {
        "Service registration and discovery on Apache ZooKeeper.",
        "",
        "`up` runs a local ZooKeeper; the other commands talk to ZooKeeper directly (--zk): "
            + "`register` holds an instance (while a health check passes, if given one), `ls` and "
            + "`watch` show what is registered, `get` picks one instance for a script, `deregister` "
            + "removes a node no live session owns, and `status` shows the ensemble and the counts. "
            + "`service create` gives a service an owner, `service acl` shows who may change it, `whoami` "
            + "the identity --auth or --tls-key make; see SECURITY.md."
    },
    subcommands = {UpCommand.class, RegisterCommand.class, LsCommand.class, WatchCommand.class, GetCommand.class,
        DeregisterCommand.class, StatusCommand.class, ServiceCommand.class, WhoAmICommand.class},
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster up                                   # ZooKeeper on 127.0.0.1:2181",
        "  roster watch payments                       # follow one service live",
        "  roster register payments --address 127.0.0.1 --port 8081 --id p1",
        "  roster ls                                   # services and instance counts",
        "  roster ls payments --json",
        "  roster get payments                         # one UP instance's host:port",
        "  curl \"http://$(roster get payments --key user-42)/\"",
        "  roster status                               # members, roles, counts",
        "  roster deregister payments p1               # only if no live session owns it",
        "  roster ls --auth digest:payments --password-file payments.pw --tls-trust ca.p12 --zk zk1:2281",
        "  roster service create payments --owner ID   # ID from `roster whoami`; see SECURITY.md",
        "  roster watch servers --codec raw --base-path /",
        "  ./roster bench --quick                      # from a checkout: the benchmarks, see BENCHMARKS.md",
        "",
        "Run `roster COMMAND --help` for each command's options."
    })
final class RosterCommand extends BaseCommand implements Runnable {
  private final StopSignal stop;

  RosterCommand(StopSignal stop) {
    this.stop = stop;
  }

  /** Fired by Ctrl-C (or a test) to end a long-running subcommand. */
  StopSignal stop() {
    return stop;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: one of up, register, ls, watch, get, deregister, status, service, whoami");
  }

  /** Prints {@code roster VERSION} and the Java that runs it. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
          "roster " + version(),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
      };
    }

    static String version() {
      Properties props = new Properties();
      try (InputStream in = RosterCommand.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          props.load(in);
        }
      } catch (IOException e) {
        // Fall through to "unknown": a version line is not worth failing for.
      }
      return props.getProperty("version", "unknown");
    }
  }
}
