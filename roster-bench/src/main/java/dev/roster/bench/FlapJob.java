package dev.roster.bench;

import static dev.roster.bench.BenchSupport.BASE;

import dev.roster.bench.Owners.Owner;
import dev.roster.bench.Watchers.Group;
import dev.roster.bench.Watchers.Probe;
import dev.roster.embedded.EmbeddedZooKeeper;
import dev.roster.testing.FaultProxy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooKeeper;

/**
 * Flaps: instances that a watcher saw disappear while nothing was deregistered, during
 * connection blips shorter than the session timeout. The owners (one Roster, one Curator
 * {@code ServiceDiscovery}) register N instances each directly with the server; W watchers
 * of each library connect through one {@link FaultProxy}, whose connections are then broken
 * {@code blips} times: by a reset (the client reconnects at once) and by an outage of a few
 * seconds (cut, then healed), each well inside the session timeout. Every removal a watcher's
 * listener is shown counts; the instances never left ZooKeeper.
 */
final class FlapJob {
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  private final EmbeddedZooKeeper server;
  private final ZooKeeper admin;
  private final int blips;
  private final int instances;
  private final int watchers;

  FlapJob(EmbeddedZooKeeper server, ZooKeeper admin, int blips, int instances, int watchers) {
    this.server = server;
    this.admin = admin;
    this.blips = blips;
    this.instances = instances;
    this.watchers = watchers;
  }

  void run() throws Exception {
    System.out.printf(Locale.ROOT, "Flaps: %d instances per library, %d watchers per library behind a fault "
        + "proxy, session timeout %d s, %d blips of each kind%n", instances, watchers,
        SESSION_TIMEOUT.toSeconds(), blips);
    System.out.printf(Locale.ROOT, "%-8s %-34s %22s %14s%n", "", "blips", "instances seen to go", "watchers hit");
    for (boolean outage : new boolean[] {false, true}) {
      String kind = outage ? OUTAGE.toSeconds() + " s outages (cut, then heal)" : "resets (FaultProxy.blip)";
      for (String name : List.of("Roster", "Curator")) {
        long[] result = flaps(name, outage);
        System.out.printf(Locale.ROOT, "%-8s %-34s %22d %14s%n", name, blips + " " + kind, result[0],
            result[1] + " of " + watchers);
      }
    }
    System.out.println();
  }

  /** Returns {disappearances seen, watchers that saw at least one}. */
  private long[] flaps(String name, boolean outage) throws Exception {
    String service = "flap-" + name.toLowerCase(Locale.ROOT) + (outage ? "-outage" : "-reset");
    BenchSupport.createIfMissing(admin, BASE + "/" + service, CreateMode.PERSISTENT);
    String direct = server.connectString();
    Owner owner = name.equals("Roster") ? Owners.roster(direct, service, SESSION_TIMEOUT)
        : Owners.curator(direct, service, SESSION_TIMEOUT);
    try (FaultProxy proxy = FaultProxy.start(direct)) {
      for (int i = 0; i < instances; i++) {
        owner.prepareAdd(i).run();
      }
      Probe[] probes = new Probe[watchers];
      for (int w = 0; w < watchers; w++) {
        probes[w] = new Probe(1); // one probe per watcher, so each watcher's flaps are told apart
      }
      Probe shared = new Probe(watchers) {
        @Override
        void observe(int watcher, String id, boolean present) {
          probes[watcher].observe(0, id, present);
        }
      };
      Group group = name.equals("Roster")
          ? new Watchers.RosterGroup(proxy.connectString(), service, watchers, SESSION_TIMEOUT, shared)
          : new Watchers.CuratorGroup(proxy.connectString(), service, watchers, SESSION_TIMEOUT, shared, true);
      try {
        group.awaitSize(instances, Duration.ofMinutes(1));
        for (int b = 0; b < blips; b++) {
          if (outage) {
            proxy.cut();
            Thread.sleep(OUTAGE.toMillis()); // the outage itself
            proxy.heal();
          } else {
            proxy.blip();
          }
          group.awaitSize(instances, Duration.ofSeconds(30));
          Thread.sleep(2_000); // for a cache that empties and refills after reconnecting to finish doing so
          group.awaitSize(instances, Duration.ofSeconds(30));
        }
      } finally {
        group.close();
      }
      long seen = 0;
      long hit = 0;
      for (Probe p : probes) {
        seen += p.disappearances.get();
        hit += p.disappearances.get() > 0 ? 1 : 0;
      }
      return new long[] {seen, hit};
    } finally {
      owner.close();
    }
  }
}
