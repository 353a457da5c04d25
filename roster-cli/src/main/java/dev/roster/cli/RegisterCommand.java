package dev.roster.cli;

import dev.roster.Registration;
import dev.roster.RegistrationConflictException;
import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.ServiceInstance;
import dev.roster.Subscription;
import dev.roster.codec.InstanceCodec;
import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthListener;
import dev.roster.health.HealthPolicy;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code roster register}: registers one instance and holds it, as a server process would,
 * until Ctrl-C; then deregisters. Useful to stand in for a server, and to see what watchers see.
 *
 * <p>With {@code --check-http} or {@code --check-tcp} it is a sidecar, as Airbnb's Nerve is:
 * the instance is registered only while the check passes ({@link Roster#register(
 * ServiceInstance, HealthCheck, HealthPolicy)}), and each change of verdict is printed.
 */
@Command(
    name = "register",
    description = {
        "Register an instance of a service and hold it until Ctrl-C, then deregister.",
        "",
        "While it runs, the registration maintains itself: it survives connection blips without "
            + "a flap and is recreated after a session expiry. If this process dies, the instance "
            + "disappears when its ZooKeeper session times out.",
        "",
        "With --check-http or --check-tcp, the instance is registered only while the check passes: "
            + "after --rise passing checks in a row it is registered; after --fall failing checks in a "
            + "row it is marked DRAINING (so callers stop picking it), then deregistered a second later; "
            + "it comes back after --rise passing checks. Each change is printed as it happens."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster register payments --address 127.0.0.1 --port 8081 --id p1",
        "  roster register payments --address 10.0.0.5 --port 8080 \\",
        "      --zone eu-west-1a --weight 50 --meta version=1.4.2 --meta team=billing",
        "  roster register payments --address 127.0.0.1 --port 8082 --status DRAINING \\",
        "      --zk 127.0.0.1:2182",
        "  roster register payments --address 127.0.0.1 --port 8081 --id p1 \\",
        "      --check-http http://127.0.0.1:8081/health --check-interval 2s",
        "  roster register redis --address 10.0.0.7 --port 6379 \\",
        "      --check-tcp 10.0.0.7:6379 --rise 1 --fall 2",
        "  roster register servers --address 127.0.0.1 --port 9000 --id server1 \\",
        "      --codec raw --base-path /            # /servers/server1 = 127.0.0.1:9000"
    })
final class RegisterCommand extends BaseCommand implements Callable<Integer> {
  /** How often a health-checked registration is looked at, to print changes of its verdict. */

  @ParentCommand RosterCommand root;
  @Mixin ZooKeeperOptions zk;
  @Mixin CodecOption codec;

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

  /** Null for a plain registration. */
  @ArgGroup(exclusive = true)
  CheckTarget target;

  @Option(names = "--check-body", paramLabel = "TEXT",
      description = "With --check-http: also require the response body to contain this text.")
  String checkBody;

  @Option(names = "--check-interval", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
      description = "The pause between the end of one check and the start of the next (default: ${DEFAULT-VALUE}).")
  Duration checkInterval;

  @Option(names = "--check-timeout", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
      description = "How long one check may take before it counts as failed (default: ${DEFAULT-VALUE}).")
  Duration checkTimeout;

  @Option(names = "--rise", paramLabel = "N", defaultValue = "2",
      description = "Passing checks in a row that register the instance (default: ${DEFAULT-VALUE}).")
  int rise;

  @Option(names = "--fall", paramLabel = "N", defaultValue = "3",
      description = "Failing checks in a row that drain and deregister it (default: ${DEFAULT-VALUE}).")
  int fall;

  /** What the health check looks at: a URL or a TCP port, never both (picocli refuses both). */
  static final class CheckTarget {
    @Option(names = "--check-http", paramLabel = "URL",
        description = "Register only while a GET of this URL answers 2xx (redirects count as failures).")
    String http;

    @Option(names = "--check-tcp", paramLabel = "HOST:PORT",
        description = "Register only while a TCP connection to HOST:PORT can be made (IPv6 in brackets, [::1]:8081).")
    String tcp;
  }

  @Override
  public Integer call() {
    // Built first: bad input fails here, before anything is sent.
    ServiceInstance instance = instance();
    InstanceCodec writable = codec.writableCodec();
    HealthCheck check = check();
    if (check != null) {
      return holdWhileHealthy(instance, writable, check, policy());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Progress progress = new Progress(err, instance);
    try (Roster roster = zk.connect(progress, writable)) {
      Registration registration = register(roster, instance);
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
    metadata.forEach((key, value) -> {
      try {
        builder.metadata(key, value);
      } catch (IllegalArgumentException e) {
        throw metadataRefused(key, e);
      }
    });
    if (id != null) {
      builder.id(id);
    }
    return builder.build();
  }

  /** Registers, or fails with one line that names the owner of the node and the option to change. */
  private static Registration register(Roster roster, ServiceInstance instance) {
    try {
      return roster.register(instance);
    } catch (RegistrationConflictException e) {
      throw new CommandFailure("cannot register " + name(instance) + ": its node " + e.path()
          + " is owned by another live session " + Text.session(e.ownerSessionId())
          + "; another process registered the same service and id (pass another --id, or stop that process)", e);
    }
  }

  /**
   * The library refuses a metadata key that would shadow one of the instance's own attributes
   * (zone, weight, status), and its advice names the builder's setters; here each of those
   * attributes is an option of the same name, so the message names the options. Any other
   * refusal (an empty key, a control character) is the library's message as it is.
   */
  private IllegalArgumentException metadataRefused(String key, IllegalArgumentException e) {
    if (spec.findOption("--" + key) == null) {
      return e;
    }
    return new IllegalArgumentException("metadata key '" + key
        + "': is reserved for Roster's own attribute; use --zone, --weight or --status", e);
  }

  /**
   * Registers while the check passes, until Ctrl-C, printing each change of verdict as the
   * registration's listener is told of it, so no flip is missed however short the interval.
   */
  private int holdWhileHealthy(ServiceInstance instance, InstanceCodec writable, HealthCheck check,
      HealthPolicy policy) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Progress progress = new Progress(err, instance);
    String farewell;
    try (Roster roster = zk.connect(progress, writable)) {
      HealthCheckedRegistration registration = roster.register(instance, check, policy);
      out.println("checking " + checkName() + " every " + Text.duration(policy.interval()) + " for "
          + name(instance) + " at " + instance.hostPort() + " (session " + Text.session(roster.sessionId())
          + " on " + zk.connectString + "); registered after " + Text.count(policy.rise(), "passing check")
          + " in a row; Ctrl-C to stop");
      out.flush();
      progress.holding = true;
      Verdicts verdicts = new Verdicts(out, registration, policy);
      try (Subscription ignored = registration.addListener(verdicts)) {
        root.stop().await();
      }
      progress.holding = false;
      if (registration.isRegistered() || registration.isHealthy()) {
        farewell = "deregistered " + name(instance);
      } else if (verdicts.everHealthy) {
        farewell = "stopped checking " + name(instance) + ", which was already deregistered after failing its checks";
      } else {
        farewell = "stopped checking " + name(instance) + ", which was never registered";
      }
      registration.close();
    }
    out.println(farewell);
    out.flush();
    return ExitCodes.OK;
  }

  /** Prints a health-checked registration's changes of verdict, one line each, on stdout. */
  private static final class Verdicts implements HealthListener {
    private final PrintWriter out;
    private final HealthPolicy policy;
    private final String name;
    volatile boolean everHealthy;
    private boolean toldNotYet;

    Verdicts(PrintWriter out, HealthCheckedRegistration registration, HealthPolicy policy) {
      this.out = out;
      this.policy = policy;
      this.name = name(registration.instance());
    }

    @Override
    public void onHealthChanged(HealthCheckedRegistration registration, boolean healthy, HealthCheck.Result result) {
      everHealthy |= healthy;
      if (healthy) {
        say("healthy: registered " + name + " at " + registration.instance().hostPort() + reason(result, true));
      } else {
        say("unhealthy" + reason(result, false) + ": draining, then deregistering " + name + " in "
            + Text.duration(policy.drainGrace()));
      }
    }

    @Override
    public void onCheck(HealthCheckedRegistration registration, HealthCheck.Result result) {
      if (!everHealthy && !toldNotYet && !result.healthy()) {
        // Once, before the instance was ever up: a check that never passes would otherwise
        // look like a command that hangs.
        toldNotYet = true;
        say("not healthy yet (" + result.reason() + "): " + name + " is registered after "
            + Text.count(policy.rise(), "passing check") + " in a row");
      }
    }

    /**
     * {@code  (HTTP 200)}: the reason of the check that changed the verdict.
     */
    private static String reason(HealthCheck.Result last, boolean healthy) {
      return last == null || last.healthy() != healthy ? "" : " (" + last.reason() + ")";
    }

    private void say(String message) {
      out.println(Text.now() + "  " + message);
      out.flush();
    }
  }

  /** {@code GET http://...} or {@code TCP connect to host:port}, for the first line. */
  private String checkName() {
    if (target.http != null) {
      return "GET " + target.http + (checkBody == null ? "" : " (body must contain '" + checkBody + "')");
    }
    return "TCP connect to " + target.tcp;
  }

  /** The check the options ask for, or {@code null} for a plain registration. */
  private HealthCheck check() {
    var parsed = spec.commandLine().getParseResult();
    if (checkBody != null && (target == null || target.http == null)) {
      throw new IllegalArgumentException("--check-body needs --check-http");
    }
    if (target == null) {
      for (String option : List.of("--check-interval", "--check-timeout", "--rise", "--fall")) {
        if (parsed.hasMatchedOption(option)) {
          throw new IllegalArgumentException(option + " needs --check-http or --check-tcp");
        }
      }
      return null;
    }
    return target.http != null ? httpCheck(target.http) : tcpCheck(target.tcp);
  }

  private HealthCheck httpCheck(String checkHttp) {
    URI uri;
    try {
      uri = new URI(checkHttp.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--check-http '" + checkHttp + "': not a URL: " + e.getReason(), e);
    }
    if (checkBody != null && checkBody.isEmpty()) {
      throw new IllegalArgumentException("--check-body '': must not be empty");
    }
    try {
      return checkBody == null ? HealthCheck.http(uri) : HealthCheck.http(uri, checkBody);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--check-http '" + checkHttp
          + "': must be an absolute http or https URL with a host, such as http://127.0.0.1:8081/health", e);
    }
  }

  /** Reads {@code host:port} or {@code [v6]:port}. */
  private static HealthCheck tcpCheck(String checkTcp) {
    String text = checkTcp.trim();
    String expected = "--check-tcp '" + checkTcp + "': expected HOST:PORT, such as 127.0.0.1:8081 or [::1]:8081";
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException(expected);
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0 || text.indexOf(':') != colon) {
        throw new IllegalArgumentException(expected);
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
    }
    if (host.isEmpty() || port.isEmpty() || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(expected);
    }
    int number = port.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(port);
    if (number < 1 || number > 65535) {
      throw new IllegalArgumentException("--check-tcp '" + checkTcp + "': port " + port + " must be 1-65535");
    }
    try {
      return HealthCheck.tcp(host, number);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--check-tcp '" + checkTcp + "': " + e.getMessage(), e);
    }
  }

  /**
   * The policy from the options; each bad value is named by its option. The library's
   * {@link IllegalArgumentException} carries no field for the rule a value broke, so the rule
   * each setter documents is stated here.
   */
  private HealthPolicy policy() {
    HealthPolicy.Builder builder = HealthPolicy.builder();
    String duration = "must be positive and at most one day";
    set("--check-interval " + Text.duration(checkInterval), duration, () -> builder.interval(checkInterval));
    set("--check-timeout " + Text.duration(checkTimeout), duration, () -> builder.timeout(checkTimeout));
    set("--rise " + rise, "must be >= 1", () -> builder.rise(rise));
    set("--fall " + fall, "must be >= 1", () -> builder.fall(fall));
    return builder.build();
  }

  /** Runs one setter; if it refuses the value, says so as {@code --rise 0: must be >= 1}. */
  private static void set(String optionAndValue, String rule, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(optionAndValue + ": " + rule, e);
    }
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
    public void registered(ServiceInstance registered, RegisterReason reason, Duration took) {
      if (reason != RegisterReason.NEW) {
        say("registered " + name(registered) + " again");
      }
    }

    @Override
    public void registrationConflict(ServiceInstance conflicting, long ownerSessionId) {
      say("cannot register " + name(conflicting) + " again: its node belongs to another live session "
          + Text.session(ownerSessionId) + "; another process uses the same service and id");
    }

    @Override
    public void registrationRefused(ServiceInstance refused, String reason) {
      say("cannot register " + name(refused) + " again: " + reason);
    }

    private void say(String message) {
      if (holding) {
        err.println(Text.now() + "  " + message);
        err.flush();
      }
    }
  }
}
