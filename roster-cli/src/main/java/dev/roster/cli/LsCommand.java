package dev.roster.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.Roster;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code roster ls}: the services, or one service's instances, as a table or as JSON. */
@Command(
    name = "ls",
    description = {
        "List the services and how many instances each has; or, given a service, its instances.",
        "",
        "Given a service with no instance, it says so and exits 3 (not found)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster ls",
        "  roster ls payments",
        "  roster ls payments --json | jq -r '.instances[] | \"\\(.address):\\(.port)\"'",
        "  roster ls --zk zk1:2181,zk2:2181,zk3:2181 --base-path /services",
        "  roster ls servers --codec raw --base-path /   # the textbook /servers"
    })
final class LsCommand extends BaseCommand implements Callable<Integer> {

  @Mixin ZooKeeperOptions zk;
  @Mixin CodecOption codec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SERVICE", description = "List this service's instances.")
  String service;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    boolean found = true;
    try (Roster roster = zk.connect(codec.codec())) {
      if (service == null) {
        listServices(roster, out);
      } else {
        found = listInstances(roster, out);
      }
    }
    out.flush();
    return found ? ExitCodes.OK : ExitCodes.NOT_FOUND;
  }

  private void listServices(Roster roster, PrintWriter out) {
    List<String> names;
    try {
      names = roster.services();
    } catch (RosterException e) {
      if (roster.isConnected()) {
        throw e;
      }
      throw CommandFailure.unreachable(e.getMessage() + ZooKeeperOptions.reachHint(), e);
    }
    List<ServiceView> views = new ArrayList<>();
    try {
      // All views read at once, so the wait is one round of reads, not one per service.
      for (String name : names) {
        views.add(roster.watch(name));
      }
      Views.awaitReady(views, zk);
      List<Integer> counts = views.stream().map(v -> v.instances().size()).toList();
      if (json) {
        ObjectNode root = Json.object();
        ArrayNode services = root.putArray("services");
        for (int i = 0; i < names.size(); i++) {
          services.addObject().put("name", names.get(i)).put("instances", counts.get(i));
        }
        out.println(Json.pretty(root));
      } else if (names.isEmpty()) {
        out.println("no services under " + zk.where());
      } else {
        Table table = new Table("SERVICE", "INSTANCES");
        for (int i = 0; i < names.size(); i++) {
          table.row(names.get(i), counts.get(i));
        }
        table.print(out);
      }
    } finally {
      views.forEach(ServiceView::close);
    }
  }

  /** Lists one service's instances; false if it has none. */
  private boolean listInstances(Roster roster, PrintWriter out) {
    List<ServiceInstance> instances;
    int skipped;
    try (ServiceView view = roster.watch(service)) {
      Views.awaitReady(view, zk);
      instances = view.instances();
      skipped = view.skippedNodes();
    }
    if (json) {
      ObjectNode root = Json.object().put("service", service);
      root.set("instances", Json.instances(instances));
      out.println(Json.pretty(root));
    } else if (instances.isEmpty()) {
      out.println("no instances of " + service + " under " + zk.where());
    } else {
      Table table = new Table("ID", "ADDRESS", "PORT", "ZONE", "WEIGHT", "STATUS", "METADATA");
      for (ServiceInstance i : instances) {
        table.row(i.id(), i.address(), i.port(), i.zone(), i.weight(), i.status(), Text.metadata(i.metadata()));
      }
      table.print(out);
    }
    if (skipped > 0) {
      spec.commandLine().getErr().println("roster ls: skipped " + Text.count(skipped, "node")
          + " of " + service + " whose data could not be read as an instance"
          + (codec.name == CodecOption.Name.DETECT ? "" : " (another --codec, or detect, may read them)"));
    }
    return !instances.isEmpty();
  }
}
