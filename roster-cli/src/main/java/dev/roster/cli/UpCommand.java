package dev.roster.cli;

import dev.roster.agent.Agent;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.embedded.LocalCertificates;
import dev.roster.embedded.LocalEnsemble;
import dev.roster.embedded.MemberState;
import dev.roster.embedded.PortInUseException;
import dev.roster.embedded.ServerTls;
import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import dev.roster.security.Secrets;
import dev.roster.security.Tls;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;

/**
 * {@code roster up}: runs everything a developer needs on one machine, in the foreground, until
 * Ctrl-C.
 *
 * <p>It is a stack of parts: each is started in turn, pushed onto {@link #running}, described
 * in the banner, and closed in reverse order on the way out, including when a later part fails
 * to start. First ZooKeeper: the embedded server, or with {@code --ensemble} a {@link
 * LocalEnsemble} of child processes whose changes of mode it reports while it runs, or with
 * {@code --zk} nothing at all (an ensemble that runs elsewhere). Then the HTTP {@link Agent}
 * with its dashboard, which stops first: closing it deregisters what it holds for HTTP clients.
 */
@Command(
    name = "up",
    description = {
        "Start a local ZooKeeper on 127.0.0.1 and the Roster agent (HTTP API, dashboard, metrics), "
            + "and keep them running until Ctrl-C.",
        "",
        "With --zk, the agent works against an existing ZooKeeper ensemble and nothing embedded starts.",
        "",
        "Its data (znodes and sessions) is kept in --data-dir, so a restart picks up where it "
            + "left off.",
        "",
        "With --ensemble, ZooKeeper is an ensemble of 3 or 5 servers, each a process of its own, "
            + "so that you can kill -9 one (the leader, say) and watch clients carry on.",
        "",
        "The agent listens on 127.0.0.1 unless --http says otherwise. Anywhere else it needs "
            + "--token-file (writes then need 'Authorization: Bearer <token>'), or --insecure-http. "
            + "--read-token-file protects reads too; /health stays open for probes. "
            + "Secrets come from files (or ROSTER_PASSWORD), never from the command line.",
        "",
        "The agent also answers DNS (UDP and TCP) on --dns, 127.0.0.1:8600 by default: "
            + "SERVICE.service.roster (A, AAAA, SRV), _SERVICE._tcp.service.roster (SRV), "
            + "ZONE.zone.SERVICE.service.roster and ID.SERVICE.service.roster, from its live views."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster up                       # 127.0.0.1:2181, data in ./roster-data",
        "  roster up --zk-port 2182 --data-dir /tmp/roster",
        "  roster up --zk-port 0           # any free port; the banner says which",
        "  roster up --tick-time 200ms     # dead clients' sessions expire sooner",
        "  roster up --ensemble 3          # three servers, for trying failover",
        "  openssl rand -hex 32 > agent.token && chmod 600 agent.token",
        "  roster up --http 0.0.0.0:8700 --token-file agent.token   # every interface; writes need the token",
        "  curl -H \"Authorization: Bearer $(cat agent.token)\" -X PUT http://HOST:8700/v1/services/...",
        "  roster up --zk zk1:2181 --auth digest:agent --password-file agent.password",
        "  roster up --tls                 # ZooKeeper over TLS only, with a local CA in ./roster-data/tls",
        "  roster up --zk zk1:2281 --tls-trust ca.p12 --tls-trust-password-file ca.pw --auth digest:agent",
        "  roster up --zk zk1:2181,zk2:2181 --http 127.0.0.1:0   # an existing ensemble; any free port",
        "  dig @127.0.0.1 -p 8600 payments.service.roster SRV      # ask the agent's DNS",
        "  roster up --dns 127.0.0.1:0 --dns-ttl 5s                # DNS on any free port, answers cached 5 s",
        "  roster up --dns off"
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

    @Option(
        names = "--zk",
        paramLabel = "HOST:PORT[,...]",
        description = "Use this existing ZooKeeper (one server or an ensemble) instead of starting one; "
            + "only the agent starts.")
    String connectString;
  }

  @Option(
      names = "--http",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8700",
      description = "Where the agent listens: its HTTP API, dashboard and /metrics (default: ${DEFAULT-VALUE}; "
          + "port 0 picks a free one).")
  String http;

  /** Where and how the agent answers DNS: --dns, --dns-domain, --dns-ttl, --dns-rate-limit. */
  @Mixin DnsOptions dns;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "Writes (PUT, DELETE) need 'Authorization: Bearer <token>' with the token in FILE "
          + "(16 or more characters, such as 'openssl rand -hex 32' prints). Required for --http beyond loopback.")
  Path tokenFile;

  @Option(
      names = "--read-token-file",
      paramLabel = "FILE",
      description = "Reads (the API, event streams, /metrics) need a token too: this one, or the write token. "
          + "Needs --token-file. /health and the dashboard page stay open; the dashboard asks for the token.")
  Path readTokenFile;

  @Option(
      names = "--insecure-http",
      description = "Allow --http beyond loopback without --token-file: anyone who reaches the agent can "
          + "register and remove instances. Warns at every start.")
  boolean insecureHttp;

  @Option(
      names = "--cors-origin",
      paramLabel = "ORIGIN",
      description = "Let pages from ORIGIN (scheme://host[:port]) call the agent from a browser; repeat for more. "
          + "Without it, no CORS headers are sent.")
  List<String> corsOrigins = new ArrayList<>();

  @Option(
      names = "--tls",
      description = "Serve the embedded ZooKeeper over TLS only, with certificates of a local CA made once in "
          + "DATA-DIR/tls (a server certificate for 127.0.0.1 and localhost, a client one); the banner says how "
          + "clients trust it. With --zk, use --tls-trust instead.")
  boolean tls;

  /** The agent's own identity, TLS and ACL policy toward ZooKeeper: --auth, --tls-trust, ... */
  @Mixin ZooKeeperSecurity security;

  /** What has started, most recent first; closed in that order. */
  private final Deque<AutoCloseable> running = new ArrayDeque<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      HostPort bind;
      try {
        bind = HostPort.parse(http);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      // Every check of the agent's settings runs before anything starts: a refusal is one line
      // and the usage exit code.
      Agent.Builder settings = agentBuilder(bind);
      // From here on a Ctrl-C waits for stopAll(), even one that comes while the banner is
      // printed and before the first await(): servers and child JVMs must not be left behind.
      root.stop().holding();
      if (servers.connectString != null) {
        Agent agent = startAgent(settings, bind, servers.connectString);
        printBanner(out, agent, servers.connectString);
        root.stop().await();
      } else if (servers.ensembleSize == null) {
        EmbeddedZooKeeper zooKeeper = startZooKeeper();
        if (certificates != null) {
          settings.tls(Tls.builder().trustStore(certificates.caTrustStore(), certificates.password()).build());
        }
        Agent agent = startAgent(settings, bind, zooKeeper.connectString());
        printBanner(out, zooKeeper, agent);
        root.stop().await();
      } else {
        LocalEnsemble ensemble = startEnsemble(out);
        Agent agent = startAgent(settings, bind, ensemble.connectString());
        printBanner(out, ensemble, agent);
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

  /**
   * The agent's settings from the options, checked: secrets read from their files, the
   * exposure rule applied. Nothing has started yet, so a refusal is a usage error.
   */
  private Agent.Builder agentBuilder(HostPort bind) {
    Agent.Builder builder = Agent.builder().host(bind.host()).port(bind.port()).insecure(insecureHttp);
    dns.applyTo(builder);
    if (tokenFile != null) {
      char[] token = Secrets.fromFile(tokenFile);
      try {
        builder.writeToken(token);
      } finally {
        Arrays.fill(token, '\0');
      }
    }
    if (readTokenFile != null) {
      if (tokenFile == null) {
        throw new IllegalArgumentException("--read-token-file needs --token-file: writes would be open while reads"
            + " are not");
      }
      char[] token = Secrets.fromFile(readTokenFile);
      try {
        builder.readToken(token);
      } finally {
        Arrays.fill(token, '\0');
      }
    }
    for (String origin : corsOrigins) {
      builder.corsOrigin(origin);
    }
    Authentication identity = security.authentication();
    if (identity != null) {
      builder.authentication(identity);
    }
    if (tls && (servers.connectString != null || servers.ensembleSize != null)) {
      throw new IllegalArgumentException("--tls serves the embedded ZooKeeper over TLS; with --zk name the"
          + " ensemble's CA with --tls-trust, and --ensemble does not serve TLS yet");
    }
    if (tls && security.trustStore != null) {
      throw new IllegalArgumentException("--tls-trust: not with --tls, which makes its own CA for the embedded ZooKeeper");
    }
    Tls clientTls = security.tls();
    if (clientTls != null) {
      builder.tls(clientTls);
    }
    AclPolicy policy = security.policy();
    if (policy != null) {
      builder.aclPolicy(policy);
    }
    try {
      return builder.check();
    } catch (IllegalArgumentException e) {
      if (tokenFile == null) {
        // Without tokens, the only refusal is the exposure rule's.
        throw new IllegalArgumentException("--http " + http + " is beyond loopback, and without --token-file"
            + " anyone who can reach the agent could register fake instances and remove real ones: pass"
            + " --token-file FILE (writes then need 'Authorization: Bearer <token>'), or --insecure-http on a"
            + " trusted network only", e);
      }
      throw e;
    }
  }

  private Agent startAgent(Agent.Builder builder, HostPort bind, String connectString) {
    Agent agent;
    try {
      agent = builder.connectString(connectString).start();
    } catch (IllegalStateException e) {
      if (DnsOptions.isDnsFailure(e)) {
        throw dns.bindFailure(e);
      }
      throw new CommandFailure("the agent could not listen on " + bind.host() + ":" + bind.port()
          + " (is it in use?); pass --http to choose another", e);
    }
    running.push(agent);
    return agent;
  }

  /** The curl option that sends the token in this file (never the token itself), or nothing. */
  private static String bearer(Path file) {
    return file == null ? "" : " -H \"Authorization: Bearer $(cat " + file + ")\"";
  }

  private void printAgent(PrintWriter out, Agent agent) {
    out.println("  Agent      " + agent.uri() + "   (HTTP API under /v1, /health, /metrics)");
    out.println("  Dashboard  " + agent.uri());
    dns.printBanner(out, agent);
    out.println("  Access     " + (tokenFile == null ? "open: no token (--token-file)"
        : readTokenFile == null ? "writes need the token in " + tokenFile + "; reads are open"
        : "writes need the token in " + tokenFile + ", reads that or the one in " + readTokenFile)
        + (security.auth == null ? "" : "; ZooKeeper identity " + security.auth));
  }

  private void printBanner(PrintWriter out, Agent agent, String connectString) {
    out.println("Roster is up: the agent, on the ZooKeeper at " + connectString + ".");
    out.println();
    out.println("  ZooKeeper  " + connectString + "   (not started here)");
    printAgent(out, agent);
    out.println();
    out.println("Try it:");
    out.println("  curl" + bearer(tokenFile) + " -X PUT " + agent.uri() + "v1/services/payments/instances/p1 -d '{\"address\":\"127.0.0.1\",\"port\":8081}'");
    out.println("  curl" + bearer(readTokenFile) + " " + agent.uri() + "v1/services/payments");
    out.println();
    out.println("Ctrl-C here stops the agent and deregisters what it registered.");
    out.flush();
  }

  /** The local CA's stores with {@code --tls}; null without. */
  private LocalCertificates certificates;

  private EmbeddedZooKeeper startZooKeeper() {
    Path dir = dataDir.toAbsolutePath().normalize();
    EmbeddedZooKeeper.Builder builder = EmbeddedZooKeeper.builder()
        .port(servers.zkPort)
        .dataDir(dir)
        .tickTime(tickTime);
    if (tls) {
      try {
        certificates = LocalCertificates.forLocalServer(dir.resolve("tls"));
      } catch (IllegalStateException | UncheckedIOException e) {
        throw new CommandFailure("could not make the TLS certificates in " + dir.resolve("tls") + ": " + e.getMessage(), e);
      }
      // WANT: a client certificate of the local CA is an x509 identity; a client without one still connects.
      builder.tls(ServerTls.builder()
          .keyStore(certificates.serverKeyStore(), certificates.password())
          .trustStore(certificates.caTrustStore(), certificates.password())
          .clientAuth(ServerTls.ClientAuth.WANT)
          .build());
    }
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

  private void printBanner(PrintWriter out, LocalEnsemble ensemble, Agent agent) {
    String roster = Main.commandName();
    String zk = " --zk " + ensemble.connectString();
    List<MemberState> modes = modes(ensemble);
    out.println("Roster is up: a ZooKeeper ensemble of " + ensemble.size() + " on 127.0.0.1.");
    out.println();
    out.println("  ZooKeeper  " + ensemble.connectString() + "   (data in " + ensemble.baseDir() + ")");
    printAgent(out, agent);
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
    out.println("Ctrl-C here stops the agent and the ensemble; run the same command again to start it on the same data.");
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

  private void printBanner(PrintWriter out, EmbeddedZooKeeper zooKeeper, Agent agent) {
    String roster = Main.commandName();
    String zk = zooKeeper.port() == 2181 ? "" : " --zk " + zooKeeper.connectString();
    if (certificates != null) {
      zk += " --tls-trust " + certificates.caTrustStore() + " --tls-trust-password-file " + certificates.passwordFile();
    }
    out.println("Roster is up.");
    out.println();
    out.println("  ZooKeeper  " + zooKeeper.connectString() + "   (" + (certificates != null ? "TLS only; " : "")
        + "data in " + zooKeeper.dataDir() + ")");
    if (certificates != null) {
      out.println("  TLS        CA " + certificates.caTrustStore() + ", client key " + certificates.clientKeyStore()
          + "; their password is in " + certificates.passwordFile());
    }
    printAgent(out, agent);
    out.println();
    out.println("Try it, each in a terminal of its own:");
    out.println("  " + roster + " watch payments" + zk);
    out.println("  " + roster + " register payments --address 127.0.0.1 --port 8081 --id p1" + zk);
    out.println("  " + roster + " ls payments" + zk);
    out.println("Then stop the register command with Ctrl-C and watch p1 go.");
    out.println();
    out.println("Or over HTTP: curl" + bearer(readTokenFile) + " " + agent.uri() + "v1/services/payments");
    out.println();
    out.println("Ctrl-C here stops the agent (deregistering what it registered) and ZooKeeper.");
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
