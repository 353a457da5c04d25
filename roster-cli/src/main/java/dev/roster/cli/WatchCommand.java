package dev.roster.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.Roster;
import dev.roster.ServiceChange;
import dev.roster.ServiceInstance;
import dev.roster.ServiceListener;
import dev.roster.ServiceView;
import dev.roster.Subscription;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code roster watch}: a service's instances, then every change as it happens, until Ctrl-C.
 * It is a {@link ServiceView} on the screen: one persistent watch, and a line when the view
 * goes stale (ZooKeeper unreachable; the last list is kept) and when it is fresh again.
 */
@Command(
    name = "watch",
    description = {
        "Print a service's instances, then every change as it happens, until Ctrl-C.",
        "",
        "  + id address:port ...  an instance appeared",
        "  - id                   an instance went away",
        "  ~ id what changed      an instance changed its attributes",
        "  ! stale                ZooKeeper unreachable; the last list is kept",
        "  * fresh                in sync with ZooKeeper again"
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster watch payments",
        "  roster watch payments --json             # one JSON event per line",
        "  roster watch payments --zk 127.0.0.1:2182",
        "  roster watch servers --codec raw --base-path /   # the textbook /servers",
        "  roster watch members --codec detect --base-path /finagle  # any known format"
    })
final class WatchCommand extends BaseCommand implements Callable<Integer> {
  @ParentCommand RosterCommand root;
  @Mixin ZooKeeperOptions zk;
  @Mixin CodecOption codec;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service to watch.")
  String service;

  @Option(names = "--json", description = "Print one JSON object per line: snapshot, added, removed, updated, stale, fresh.")
  boolean json;

  @Override
  public Integer call() {
    try (Roster roster = zk.connect(codec.codec()); ServiceView view = roster.watch(service)) {
      Views.awaitReady(view, zk);
      Printer printer = new Printer(spec.commandLine().getOut());
      printer.snapshot(view.instances());
      // The listener's first call repeats the current instances; the printer shows only differences.
      try (Subscription ignored = view.addListener(new ServiceListener() {
        @Override
        public void onChange(ServiceChange change) {
          printer.update(change.instances());
        }

        @Override
        public void onStale(String name, Instant since) {
          printer.staleness(true, view.instances().size());
        }

        @Override
        public void onFresh(String name) {
          printer.staleness(false, view.instances().size());
        }
      })) {
        root.stop().await();
      }
    }
    return ExitCodes.OK;
  }

  /**
   * Prints what changed since the last list it printed. Diffing against its own last list,
   * rather than trusting each event, keeps the screen exact whatever order the first snapshot
   * and the first event arrive in.
   */
  private final class Printer {
    private final PrintWriter out;
    private final Map<String, ServiceInstance> shown = new TreeMap<>();

    Printer(PrintWriter out) {
      this.out = out;
    }

    synchronized void snapshot(List<ServiceInstance> instances) {
      instances.forEach(i -> shown.put(i.id(), i));
      if (json) {
        ObjectNode event = event("snapshot");
        event.set("instances", Json.instances(instances));
        print(event);
      } else {
        out.println(Text.now() + "  " + service + ": " + Text.count(instances.size(), "instance")
            + " at " + zk.where() + "; watching for changes (Ctrl-C to stop)");
        instances.forEach(i -> out.println(Text.now() + "  + " + Text.instance(i)));
      }
      out.flush();
    }

    synchronized void update(List<ServiceInstance> instances) {
      Map<String, ServiceInstance> now = new TreeMap<>();
      instances.forEach(i -> now.put(i.id(), i));
      for (ServiceInstance gone : shown.values()) {
        if (!now.containsKey(gone.id())) {
          if (json) {
            print(event("removed").set("instance", Json.instance(gone)));
          } else {
            out.println(Text.now() + "  - " + gone.id());
          }
        }
      }
      for (ServiceInstance i : now.values()) {
        ServiceInstance before = shown.get(i.id());
        if (before == null) {
          if (json) {
            print(event("added").set("instance", Json.instance(i)));
          } else {
            out.println(Text.now() + "  + " + Text.instance(i));
          }
        } else if (!before.equals(i)) {
          if (json) {
            print(event("updated").set("instance", Json.instance(i)));
          } else {
            out.println(Text.now() + "  ~ " + i.id() + " " + Text.changes(before, i));
          }
        }
      }
      shown.clear();
      shown.putAll(now);
      out.flush();
    }

    private boolean stale;

    /** Prints a change of staleness; the same state told twice (as on a listener's start) prints once. */
    synchronized void staleness(boolean nowStale, int count) {
      if (nowStale == stale) {
        return;
      }
      stale = nowStale;
      if (json) {
        print(event(nowStale ? "stale" : "fresh").put("instances", count));
      } else if (nowStale) {
        out.println(Text.now() + "  ! stale: lost touch with ZooKeeper at " + zk.connectString
            + "; still showing the last " + Text.count(count, "instance"));
      } else {
        out.println(Text.now() + "  * fresh: in sync with ZooKeeper again, " + Text.count(count, "instance"));
      }
      out.flush();
    }

    private ObjectNode event(String type) {
      return Json.object().put("time", Instant.now().toString()).put("event", type).put("service", service);
    }

    private void print(ObjectNode event) {
      out.println(Json.line(event));
    }
  }
}
