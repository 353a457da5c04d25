package dev.roster.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code roster status}: is ZooKeeper there, what are its members, what is registered. Each
 * part is found on its own, so that when the session cannot be had the members' answers still
 * show why (all down, no quorum).
 */
@Command(
    name = "status",
    description = {
        "Show the connection to ZooKeeper, the ensemble's members and their roles, and how many "
            + "services and instances are registered.",
        "",
        "Roles come from each server's answer to the `srvr` four-letter word, sent over a plain socket; "
            + "a server whose 4lw.commands.whitelist leaves srvr out is shown as unknown. Instances are "
            + "counted as nodes under each service, whatever their format.",
        "",
        "Exits 4 when no session could be had, after printing what it could learn without one."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster status",
        "  roster status --zk zk1:2181,zk2:2181,zk3:2181",
        "  roster status --json | jq '.members[] | select(.mode == \"leader\") | .address'"
    })
final class StatusCommand extends BaseCommand implements Callable<Integer> {
  /** A member that does not answer within this is shown so; the whole command waits no longer. */
  private static final Duration MEMBER_TIMEOUT = Duration.ofSeconds(2);

  @Mixin ZooKeeperOptions zk;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  /** What the session saw; {@code failure} set when there was none. */
  private static final class Session {
    boolean connected;
    String failure;
    String server;
    long sessionId;
    double roundTripMillis;
    final Map<String, Integer> services = new LinkedHashMap<>();
  }

  @Override
  public Integer call() {
    // Validated as every other command does, before anything is sent.
    dev.roster.Roster.builder().basePath(zk.basePath);
    List<String> servers = FourLetterWords.servers(zk.connectString);
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("--zk '" + zk.connectString + "': names no server");
    }
    Duration memberTimeout = zk.timeout.compareTo(MEMBER_TIMEOUT) < 0 ? zk.timeout : MEMBER_TIMEOUT;
    // Asked at once, on threads of their own, while the session is being made.
    List<CompletableFuture<FourLetterWords.Member>> probes = new ArrayList<>();
    for (String server : servers) {
      probes.add(CompletableFuture.supplyAsync(() -> FourLetterWords.probe(server, memberTimeout),
          runnable -> {
            Thread thread = new Thread(runnable, "roster-status " + server);
            thread.setDaemon(true);
            thread.start();
          }));
    }
    Session session = session();
    List<FourLetterWords.Member> members = probes.stream().map(CompletableFuture::join).toList();

    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.pretty(toJson(session, members)));
    } else {
      print(out, session, members);
    }
    out.flush();
    if (!session.connected) {
      spec.commandLine().getErr().println(spec.qualifiedName() + ": " + session.failure);
      spec.commandLine().getErr().flush();
      return ExitCodes.UNREACHABLE;
    }
    return ExitCodes.OK;
  }

  private Session session() {
    Session session = new Session();
    DirectZooKeeper direct;
    try {
      direct = DirectZooKeeper.connect(zk);
    } catch (CommandFailure e) {
      session.failure = e.getMessage();
      return session;
    }
    try (direct) {
      session.sessionId = direct.client().getSessionId();
      session.server = direct.server();
      long start = System.nanoTime();
      Stat base = direct.client().exists(zk.basePath, false);
      session.roundTripMillis = (System.nanoTime() - start) / 1_000_000.0;
      if (base != null) {
        List<String> names = new ArrayList<>(direct.client().getChildren(zk.basePath, false));
        names.sort(null);
        for (String name : names) {
          Stat stat = direct.client().exists(zk.servicePath(name), false);
          if (stat != null) {
            session.services.put(name, stat.getNumChildren());
          }
        }
      }
      session.connected = true;
    } catch (KeeperException.NoNodeException e) {
      // The base path went while it was read: nothing registered, as far as this run can tell.
      session.connected = true;
    } catch (KeeperException e) {
      session.failure = "could not read " + zk.basePath + " at ZooKeeper " + zk.connectString + ": " + e.code();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      session.failure = "interrupted";
    }
    return session;
  }

  private void print(PrintWriter out, Session session, List<FourLetterWords.Member> members) {
    out.println("zookeeper: " + zk.connectString);
    if (session.connected) {
      out.println("connected: yes, to " + (session.server == null ? "?" : session.server) + ", session "
          + Text.session(session.sessionId) + ", round trip " + millis(session.roundTripMillis));
    } else {
      out.println("connected: no");
    }
    out.println("members:");
    Table table = new Table("ADDRESS", "MODE", "VERSION", "ZXID", "CONNECTIONS");
    for (FourLetterWords.Member m : members) {
      table.row(m.address(), m.modeOrProblem(), version(m), m.field("zxid"), m.field("connections"));
    }
    StringWriter rows = new StringWriter();
    table.print(new PrintWriter(rows));
    rows.toString().lines().forEach(line -> out.println("  " + line));
    if (!session.connected) {
      out.println("registry: unknown, not connected");
      return;
    }
    int instances = session.services.values().stream().mapToInt(Integer::intValue).sum();
    out.println("registry: " + Text.count(session.services.size(), "service") + ", "
        + Text.count(instances, "instance") + " under " + zk.basePath);
  }

  private ObjectNode toJson(Session session, List<FourLetterWords.Member> members) {
    ObjectNode root = Json.object().put("zookeeper", zk.connectString).put("basePath", zk.basePath);
    root.put("connected", session.connected);
    if (session.connected) {
      root.put("server", session.server).put("sessionId", Text.session(session.sessionId))
          .put("roundTripMillis", Math.round(session.roundTripMillis * 1000) / 1000.0);
    } else {
      root.put("error", session.failure);
    }
    ArrayNode list = root.putArray("members");
    for (FourLetterWords.Member m : members) {
      ObjectNode member = list.addObject().put("address", m.address()).put("mode", m.mode());
      member.put("version", version(m)).put("zxid", m.field("zxid"));
      String connections = m.field("connections");
      if (connections != null && connections.chars().allMatch(Character::isDigit)) {
        member.put("connections", Integer.parseInt(connections));
      } else {
        member.putNull("connections");
      }
      member.put("problem", m.problem());
    }
    if (session.connected) {
      ArrayNode services = root.putArray("services");
      session.services.forEach((name, count) -> services.addObject().put("name", name).put("instances", count));
      root.put("instances", session.services.values().stream().mapToInt(Integer::intValue).sum());
    }
    return root;
  }

  /** {@code 3.9.5} out of {@code 3.9.5-<commit>, built on <date>}. */
  private static String version(FourLetterWords.Member m) {
    String version = m.field("zookeeper version");
    if (version == null) {
      return null;
    }
    int end = version.length();
    for (char stop : new char[] {'-', ','}) {
      int i = version.indexOf(stop);
      if (i >= 0) {
        end = Math.min(end, i);
      }
    }
    return version.substring(0, end);
  }

  private static String millis(double millis) {
    return millis < 10 ? String.format(java.util.Locale.ROOT, "%.1fms", millis) : Math.round(millis) + "ms";
  }
}
