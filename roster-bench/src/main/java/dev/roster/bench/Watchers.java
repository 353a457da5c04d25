package dev.roster.bench;

import static dev.roster.bench.BenchSupport.BASE;

import dev.roster.Roster;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.curator.x.discovery.details.ServiceCacheListener;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Groups of watching clients of one service, each client its own session: Roster views,
 * Curator {@code ServiceCache}s, and the floor, a bare ZooKeeper client with a child watch
 * that re-lists the children and reads each new child's data. Every client reports each
 * instance it sees appear or go to a shared {@link Probe}.
 */
final class Watchers {
  private Watchers() {}

  /**
   * Where watchers report. {@link #arm} names the change awaited; {@link #await} returns when
   * every watcher has seen it, with the time the last one did.
   */
  static class Probe {
    private record Target(String id, boolean present) {}

    private final int watchers;
    private final AtomicLongArray seenAt;
    private volatile CountDownLatch latch = new CountDownLatch(0);
    private volatile Target target;
    /** Every instance any watcher saw disappear, counted once per watcher. */
    final AtomicLong disappearances = new AtomicLong();

    Probe(int watchers) {
      this.watchers = watchers;
      this.seenAt = new AtomicLongArray(watchers);
    }

    void arm(String id, boolean present) {
      for (int i = 0; i < watchers; i++) {
        seenAt.set(i, 0);
      }
      latch = new CountDownLatch(watchers);
      target = new Target(id, present); // last: a watcher that sees the target sees the fresh latch
    }

    /** The id awaited, or null. */
    String targetId() {
      Target t = target;
      return t == null ? null : t.id();
    }

    void observe(int watcher, String id, boolean present) {
      if (!present) {
        disappearances.incrementAndGet();
      }
      Target t = target;
      if (t != null && t.present() == present && t.id().equals(id) && seenAt.compareAndSet(watcher, 0, System.nanoTime())) {
        latch.countDown();
      }
    }

    /** When the last watcher saw the armed change, in {@link System#nanoTime()} terms. */
    long await(Duration timeout) throws InterruptedException {
      if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(latch.getCount() + " of " + watchers + " watchers did not see "
            + target + " within " + timeout.toMillis() + " ms");
      }
      target = null;
      long last = 0;
      for (int i = 0; i < watchers; i++) {
        last = Math.max(last, seenAt.get(i));
      }
      return last;
    }
  }

  /** One library's watchers of one service. */
  interface Group extends AutoCloseable {
    /** Waits until every watcher holds {@code instances} instances. */
    void awaitSize(int instances, Duration timeout) throws Exception;

    /** The watchers' sessions, for the server's request counts. */
    List<Long> sessionIds();

    @Override
    void close() throws Exception;
  }

  /** What the server counted for {@code sessions} together. */
  static Map<String, Long> counts(EmbeddedZooKeeper server, List<Long> sessions) {
    Map<String, Long> sum = new TreeMap<>();
    for (long sid : sessions) {
      server.requestCounts(sid).forEach((op, n) -> sum.merge(op, n, Long::sum));
    }
    return sum;
  }

  private static void awaitAll(List<IntSupplier> sizes, int instances, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (IntSupplier size : sizes) {
      while (size.getAsInt() != instances) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("a watcher holds " + size.getAsInt() + " instances, expected " + instances);
        }
        Thread.sleep(5); // outside any timed step
      }
    }
  }

  /** Roster views, one Roster (one session) each. */
  static final class RosterGroup implements Group {
    private final List<Roster> rosters = new ArrayList<>();
    private final List<ServiceView> views = new ArrayList<>();

    RosterGroup(String connectString, String service, int n, Duration sessionTimeout, Probe probe) {
      try {
        for (int i = 0; i < n; i++) {
          int w = i;
          Roster roster = Roster.builder().connectString(connectString).codec(InstanceCodec.curator())
              .sessionTimeout(sessionTimeout).build();
          rosters.add(roster);
          ServiceView view = roster.watch(service);
          views.add(view);
          view.addListener(change -> {
            change.added().forEach(s -> probe.observe(w, s.id(), true));
            change.removed().forEach(s -> probe.observe(w, s.id(), false));
          });
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public void awaitSize(int instances, Duration timeout) throws Exception {
      for (ServiceView view : views) {
        view.whenReady().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      awaitAll(views.stream().map(v -> (IntSupplier) () -> v.instances().size()).toList(), instances, timeout);
    }

    @Override
    public List<Long> sessionIds() {
      return rosters.stream().map(Roster::sessionId).toList();
    }

    @Override
    public void close() {
      views.forEach(ServiceView::close);
      rosters.forEach(Roster::close);
    }
  }

  /** Curator {@code ServiceCache}s with a listener, one CuratorFramework (one session) each. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static final class CuratorGroup implements Group {
    private final List<CuratorFramework> clients = new ArrayList<>();
    private final List<ServiceDiscovery<Map>> discoveries = new ArrayList<>();
    private final List<ServiceCache<Map>> caches = new ArrayList<>();

    /**
     * @param diff compare every cache change with the last (to count flaps), instead of looking
     *     for the awaited instance alone (the cheap way, for latency)
     */
    CuratorGroup(String connectString, String service, int n, Duration sessionTimeout, Probe probe, boolean diff)
        throws Exception {
      try {
        for (int i = 0; i < n; i++) {
          int w = i;
          CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, (int) sessionTimeout.toMillis(),
              15_000, new ExponentialBackoffRetry(100, 3));
          clients.add(client);
          client.start();
          if (!client.blockUntilConnected(15, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Curator did not connect to " + connectString);
          }
          ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(client).basePath(BASE)
              .serializer(new JsonInstanceSerializer<>(Map.class)).build();
          discoveries.add(discovery);
          discovery.start();
          ServiceCache<Map> cache = discovery.serviceCacheBuilder().name(service).build();
          caches.add(cache);
          Set<String> last = new HashSet<>();
          cache.addListener(new ServiceCacheListener() {
            @Override
            public void cacheChanged() {
              List<ServiceInstance<Map>> now = cache.getInstances();
              if (diff) {
                synchronized (last) {
                  Set<String> ids = new HashSet<>();
                  now.forEach(s -> ids.add(s.getId()));
                  last.stream().filter(id -> !ids.contains(id)).forEach(id -> probe.observe(w, id, false));
                  ids.stream().filter(id -> !last.contains(id)).forEach(id -> probe.observe(w, id, true));
                  last.clear();
                  last.addAll(ids);
                }
                return;
              }
              String id = probe.targetId();
              if (id != null) {
                boolean present = false;
                for (ServiceInstance<Map> s : now) {
                  if (s.getId().equals(id)) {
                    present = true;
                    break;
                  }
                }
                probe.observe(w, id, present);
              }
            }

            @Override
            public void stateChanged(CuratorFramework c, ConnectionState state) {}
          });
          cache.start();
        }
      } catch (Exception e) {
        close();
        throw e;
      }
    }

    @Override
    public void awaitSize(int instances, Duration timeout) throws Exception {
      awaitAll(caches.stream().map(c -> (IntSupplier) () -> c.getInstances().size()).toList(), instances, timeout);
    }

    @Override
    public List<Long> sessionIds() {
      List<Long> ids = new ArrayList<>();
      for (CuratorFramework c : clients) {
        try {
          ids.add(c.getZookeeperClient().getZooKeeper().getSessionId());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
      return ids;
    }

    @Override
    public void close() throws Exception {
      for (ServiceCache<Map> c : caches) {
        c.close();
      }
      for (ServiceDiscovery<Map> d : discoveries) {
        d.close();
      }
      clients.forEach(CuratorFramework::close);
    }
  }

  /** The floor: a bare client's child watch, a re-list on each notification, one getData per new child. */
  static final class FloorGroup implements Group {
    private final List<ZooKeeper> clients = new ArrayList<>();
    private final List<FloorWatcher> watchers = new ArrayList<>();

    FloorGroup(String connectString, String service, int n, Duration sessionTimeout, Probe probe) throws Exception {
      try {
        for (int i = 0; i < n; i++) {
          ZooKeeper zk = BenchSupport.connect(connectString, sessionTimeout);
          clients.add(zk);
          FloorWatcher watcher = new FloorWatcher(zk, BASE + "/" + service, i, probe);
          watchers.add(watcher);
          watcher.list();
        }
      } catch (Exception e) {
        close();
        throw e;
      }
    }

    @Override
    public void awaitSize(int instances, Duration timeout) throws Exception {
      awaitAll(watchers.stream().map(w -> (IntSupplier) w.size::get).toList(), instances, timeout);
    }

    @Override
    public List<Long> sessionIds() {
      return clients.stream().map(ZooKeeper::getSessionId).toList();
    }

    @Override
    public void close() throws Exception {
      for (ZooKeeper zk : clients) {
        zk.close();
      }
    }
  }

  /** Its state is touched on its client's event thread only, where every callback runs. */
  private static final class FloorWatcher implements Watcher {
    private final ZooKeeper zk;
    private final String path;
    private final int index;
    private final Probe probe;
    private final Map<String, Boolean> known = new HashMap<>(); // false while its data is being read
    final AtomicInteger size = new AtomicInteger();

    FloorWatcher(ZooKeeper zk, String path, int index, Probe probe) {
      this.zk = zk;
      this.path = path;
      this.index = index;
      this.probe = probe;
    }

    void list() {
      zk.getChildren(path, this, (rc, p, ctx, children) -> {
        if (rc != Code.OK.intValue()) {
          return; // the bench's clients stay connected; a flap is not the floor's to measure
        }
        Set<String> now = new HashSet<>(children);
        known.entrySet().removeIf(e -> {
          if (!now.contains(e.getKey())) {
            if (e.getValue()) {
              size.decrementAndGet();
              probe.observe(index, e.getKey(), false);
            }
            return true;
          }
          return false;
        });
        for (String child : now) {
          if (known.putIfAbsent(child, false) == null) {
            zk.getData(path + "/" + child, false, (rc2, p2, ctx2, data, stat) -> {
              if (rc2 == Code.OK.intValue() && known.replace(child, false, true)) {
                size.incrementAndGet();
                probe.observe(index, child, true);
              }
            }, null);
          }
        }
      }, null);
    }

    @Override
    public void process(WatchedEvent event) {
      if (event.getType() == Event.EventType.NodeChildrenChanged) {
        list();
      }
    }
  }
}
