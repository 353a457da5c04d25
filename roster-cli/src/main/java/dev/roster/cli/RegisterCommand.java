package dev.roster.cli;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.ServiceInstance;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code roster register}: registers one instance and holds it, as a server process would,
 * until Ctrl-C; then deregisters. Useful to stand in for a server, and to see what watchers see.
 */
@Command(
    name = "register",
    mixinStandardHelpOptions = true,
    versionProvider = RosterCommand.Version.class,
    usageHelpAutoWidth = true,
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Register an instance of a service and hold it until Ctrl-C, then deregister.",
        "",
        "While it runs, the registration maintains itself: it survives connection blips without "
            + "a flap and is recreated after a session expiry. If this process dies, the instance "
            + "disappears when its ZooKeeper session times out."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster register payments --address 127.0.0.1 --port 8081 --id p1",
        "  roster register payments --address 10.0.0.5 --port 8080 \\",
        "      --zone eu-west-1a --weight 50 --meta version=1.4.2 --meta team=billing",
        "  roster register payments --address 127.0.0.1 --port 8082 --status DRAINING \\",
        "      --zk 127.0.0.1:2182"
    })
final class RegisterCommand implements Callable<Integer> {

  @ParentCommand RosterCommand root;
  @Spec CommandSpec spec;
  @Mixin ZooKeeperOptions zk;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service name, such as payments.")
  String service;

  @Option(names = "--address", required = true, paramLabel = "HOST",
      description = "The host name or IP address callers connect to.")
  String address;

  @Option(names = "--port", required = true, paramLabel = "PORT", description = "The port callers connect to, 1-65535.")
  int port;

  @Option(names = "--id", paramLabel = "ID", description = "The instance id, unique within the service (default: a random UUID).")
  String id;

  @Option(names = "--zone", paramLabel = "ZONE", description = "The availability zone, such as eu-west-1a.")
  String zone;

  @Option(names = "--weight", paramLabel = "N", defaultValue = "100",
      description = "The relative share of traffic, 0-1000000 (default: ${DEFAULT-VALUE}).")
  int weight;

  @Option(names = "--status", paramLabel = "STATUS", defaultValue = "UP",
      description = "One of ${COMPLETION-CANDIDATES}; only UP instances are picked (default: ${DEFAULT-VALUE}).")
  ServiceInstance.Status status;

  @Option(names = "--ssl-port", paramLabel = "PORT", description = "The TLS port, if the instance has one.")
  int sslPort;

  @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "A metadata entry; repeat for more.")
  Map<String, String> metadata = new LinkedHashMap<>();

  @Override
  public Integer call() {
    // Built first: bad input fails here, before anything is sent.
    ServiceInstance instance = instance();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Progress progress = new Progress(err, instance);
    try (Roster roster = zk.connect(progress)) {
      Registration registration = roster.register(instance);
      out.println("registered " + name(instance) + " at " + instance.hostPort()
          + " (session " + Text.session(roster.sessionId()) + " on " + zk.connectString + "); Ctrl-C to deregister");
      out.flush();
      progress.holding = true;
      root.stop().await();
      progress.holding = false;
      registration.close();
    }
    out.println("deregistered " + name(instance));
    out.flush();
    return ExitCodes.OK;
  }

  private ServiceInstance instance() {
    ServiceInstance.Builder builder = ServiceInstance.builder(service)
        .address(address)
        .port(port)
        .sslPort(sslPort)
        .zone(zone)
        .weight(weight)
        .status(status);
    try {
      builder.metadata(metadata);
    } catch (IllegalArgumentException e) {
      // The library's advice names its builder methods; here the same things are options.
      throw new IllegalArgumentException(e.getMessage().replace(
          "the builder's zone(...), weight(...) or status(...)", "--zone, --weight or --status"), e);
    }
    if (id != null) {
      builder.id(id);
    }
    return builder.build();
  }

  private static String name(ServiceInstance instance) {
    return instance.service() + "/" + instance.id();
  }

  /** Tells the user, on stderr, what happens to the registration while it is held. */
  private static final class Progress implements RosterEventListener {
    private final PrintWriter err;
    private final ServiceInstance instance;
    volatile boolean holding;

    Progress(PrintWriter err, ServiceInstance instance) {
      this.err = err;
      this.instance = instance;
    }

    @Override
    public void connectionStateChanged(ConnectionState state) {
      switch (state) {
        case SUSPENDED -> say("connection to ZooKeeper lost; " + name(instance) + " stays registered while the session lives");
        case LOST -> say("ZooKeeper session lost; " + name(instance) + " will be registered again on a new session");
        case RECONNECTED -> say("reconnected to ZooKeeper");
        default -> { }
      }
    }

    @Override
    public void registered(ServiceInstance registered, boolean recreated) {
      if (recreated) {
        say("registered " + name(registered) + " again");
      }
    }

    @Override
    public void registrationConflict(ServiceInstance conflicting, long ownerSessionId) {
      say("cannot register " + name(conflicting) + " again: its node belongs to another live session "
          + Text.session(ownerSessionId) + "; another process uses the same service and id");
    }

    private void say(String message) {
      if (holding) {
        err.println(Text.now() + "  " + message);
        err.flush();
      }
    }
  }
}
