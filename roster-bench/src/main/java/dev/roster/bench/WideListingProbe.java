package dev.roster.bench;

import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The last part of {@link ScaleBench}: where ZooKeeper's client {@code jute.maxbuffer} stops a
 * {@code getChildren} of one wide service, for ids of 8, 36 and 64 characters, and what a Roster
 * and a Curator {@code ServiceCache} watcher of such a service do. Runs alone too:
 *
 * <pre>
 * java -cp roster-bench/target/benchmarks.jar dev.roster.bench.WideListingProbe [--max 100000]
 * </pre>
 */
public final class WideListingProbe {
  private static final String BASE = "/services";
  private static final int CLIENT_MAX_PACKET = 0xfffff; // the ZooKeeper client's default jute.maxbuffer

  private final EmbeddedZooKeeper server;
  private Map<String, Long> mark;

  WideListingProbe(EmbeddedZooKeeper server) {
    this.server = server;
  }

  /**
   * Runs the probe on an embedded server of its own.
   *
   * @param args {@code --max N}, the most children to list; default 100,000
   * @throws Exception if the server cannot start
   */
  public static void main(String[] args) throws Exception {
    int max = args.length == 2 && args[0].equals("--max") ? Integer.parseInt(args[1]) : 100_000;
    try (EmbeddedZooKeeper server = EmbeddedZooKeeper.builder().port(0).tickTime(Duration.ofMillis(50))
        .maxSessionTimeout(Duration.ofSeconds(60)).start()) {
      new WideListingProbe(server).run(max);
    }
  }

  /** The requests since the last phase, pings left out; starts the next phase. */
  private Map<String, Long> phase() throws InterruptedException {
    Map<String, Long> now = BenchSupport.settledCounts(server);
    Map<String, Long> delta = BenchSupport.delta(mark, now);
    delta.remove("ping");
    mark = now;
    return delta;
  }

  /**
   * Lists wider and wider services with a bare client, for ids of 8, 36 and 64 characters,
   * until a listing fails; then watches the widest with Roster and Curator for 15 s each.
   */
  void run(int max) throws Exception {
    ZooKeeper admin = connect(server.connectString());
    try {
      System.out.printf(Locale.ROOT, "%ngetChildren of one service against the client's jute.maxbuffer (%,d B):%n",
          CLIENT_MAX_PACKET);
      String widest = null;
      for (int length : new int[] {8, 36, 64}) {
        String service = "wide-" + length;
        int predicted = (CLIENT_MAX_PACKET - 16 - 4 - 68) / (4 + length) + 1; // header, count, Stat
        int step = 250;
        int created = 0;
        int lastOk = 0;
        int firstFail = -1;
        create(admin, BASE, CreateMode.PERSISTENT);
        create(admin, BASE + "/" + service, CreateMode.PERSISTENT);
        Semaphore inFlight = new Semaphore(2_000);
        while (created < max && firstFail < 0) {
          int target = Math.min(max, created == 0 ? Math.max(step, predicted - 2 * step) : created + step);
          for (; created < target; created++) {
            String id = String.format(Locale.ROOT, "%0" + length + "d", created);
            inFlight.acquire();
            admin.create(BASE + "/" + service + "/" + id, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT, (rc, p, ctx, n) -> inFlight.release(), null);
          }
          if (!inFlight.tryAcquire(2_000, 5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("creates did not finish");
          }
          inFlight.release(2_000);
          if (lists(service)) {
            lastOk = created;
          } else {
            firstFail = created;
          }
        }
        System.out.printf(Locale.ROOT, "  ids of %2d chars: listed %,d children; %s (predicted limit %,d)%n", length,
            lastOk, firstFail < 0 ? "no failure up to " + created : "failed at " + String.format("%,d", firstFail),
            predicted);
        if (firstFail > 0) {
          widest = service;
        }
      }
      if (widest != null) {
        observe("roster", widest);
        observe("curator", widest);
      }
    } finally {
      admin.close();
    }
  }

  private boolean lists(String service) throws Exception {
    ZooKeeper zk = connect(server.connectString());
    try {
      zk.getChildren(BASE + "/" + service, false, null);
      return true;
    } catch (KeeperException.ConnectionLossException e) {
      return false;
    } finally {
      zk.close();
    }
  }

  /** What one watcher of a too-wide service does for 15 s: reconnects, listings sent, what it shows. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private void observe(String which, String service) throws Exception {
    mark = BenchSupport.settledCounts(server);
    AtomicInteger suspended = new AtomicInteger();
    String shows;
    if (which.equals("roster")) {
      RosterEventListener events = new RosterEventListener() {
        @Override
        public void connectionStateChanged(ConnectionState state) {
          if (state == ConnectionState.SUSPENDED) {
            suspended.incrementAndGet();
          }
        }
      };
      try (Roster roster = Roster.builder().connectString(server.connectString()).codec(InstanceCodec.curator())
          .eventListener(events).build();
          ServiceView view = roster.watch(service)) {
        Thread.sleep(15_000);
        shows = "whenReady " + state(view.whenReady()) + ", stale " + view.isStale() + ", " + view.instances().size()
            + " instances";
      }
    } else {
      try (CuratorFramework curator = CuratorFrameworkFactory.newClient(server.connectString(), 30_000, 15_000,
          new ExponentialBackoffRetry(100, 3))) {
        curator.getConnectionStateListenable().addListener((c, s) -> {
          if (s == org.apache.curator.framework.state.ConnectionState.SUSPENDED) {
            suspended.incrementAndGet();
          }
        });
        curator.start();
        try (ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(curator)
            .basePath(BASE).serializer(new JsonInstanceSerializer<>(Map.class)).build()) {
          discovery.start();
          try (ServiceCache<Map> cache = discovery.serviceCacheBuilder().name(service).build()) {
            CountDownLatch loaded = cache.startImmediate();
            Thread.sleep(15_000);
            shows = "start() " + (loaded.getCount() == 0 ? "returned" : "still blocked") + ", "
                + cache.getInstances().size() + " instances";
          }
        }
      }
    }
    System.out.printf(Locale.ROOT, "  %s watching %s for 15 s: %d connection losses, %s; requests %s%n", which,
        service, suspended.get(), shows, phase());
  }

  private static String state(CompletableFuture<?> f) {
    if (!f.isDone()) {
      return "pending";
    }
    return f.isCompletedExceptionally() ? "failed: " + f.handle((v, e) -> e.getCause() == null ? e : e.getCause())
        .join().getMessage() : "complete";
  }


  private static void create(ZooKeeper zk, String path, CreateMode mode) throws Exception {
    try {
      zk.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, mode);
    } catch (KeeperException.NodeExistsException e) {
      // made by a registrant
    }
  }

  private static ZooKeeper connect(String connect) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connect, 30_000, e -> {
      if (e.getState() == KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    if (!connected.await(15, TimeUnit.SECONDS)) {
      zk.close();
      throw new IllegalStateException("no connection to " + connect);
    }
    return zk;
  }
}
