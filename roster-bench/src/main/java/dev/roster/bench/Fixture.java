package dev.roster.bench;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One embedded ZooKeeper with {@code n} registered instances of service "bench", written in
 * the plain Curator payload form so that Curator x-discovery and Roster both read them.
 * Both libraries under test connect to this same server.
 */
final class Fixture implements AutoCloseable {
  static final String SERVICE = "bench";

  final EmbeddedZooKeeper server;
  final Roster registrant;
  private final int registered;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  Fixture(int instances) {
    registered = instances;
    server = EmbeddedZooKeeper.builder().start();
    registrant = Roster.builder().connectString(server.connectString()).codec(InstanceCodec.curator())
        .sessionTimeout(Duration.ofSeconds(30)).build();
    List<ServiceInstance> all = new ArrayList<>(instances);
    for (int i = 0; i < instances; i++) {
      all.add(ServiceInstance.builder(SERVICE).id(String.format("i-%05d", i))
          .address("10.0." + (i / 250) + "." + (i % 250)).port(8080)
          .zone(i % 3 == 0 ? "zone-a" : i % 3 == 1 ? "zone-b" : "zone-c")
          .weight(1 + (i % 5) * 25).build());
    }
    registrant.registerAll(all);
  }

  /** A Roster view of the instances, from a client of its own, once it holds all of them. */
  ServiceView rosterView() throws Exception {
    Roster client = Roster.builder().connectString(server.connectString())
        .sessionTimeout(Duration.ofSeconds(30)).build();
    closeLater(client);
    ServiceView view = client.watch(SERVICE);
    view.whenReady().get(30, TimeUnit.SECONDS);
    if (view.instances().size() != registered) {
      throw new IllegalStateException("view has " + view.instances().size() + " instances, expected " + registered);
    }
    return view;
  }

  void closeLater(AutoCloseable closeable) {
    toClose.add(closeable);
  }

  @Override
  public void close() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    registrant.close();
    server.close();
  }
}
