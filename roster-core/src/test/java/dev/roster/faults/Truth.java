package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.codec.InstanceCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * ZooKeeper's own truth about a service, read after {@code sync()} so that the server
 * answering is up to date with the leader, and the convergence check every fault test ends
 * with.
 */
final class Truth {
  /** One node as ZooKeeper holds it. */
  record Node(ServiceInstance instance, long owner) {}

  private Truth() {}

  static Map<String, Node> read(String connectString, String service) throws Exception {
    return readAll(connectString, List.of(service)).get(service);
  }

  /** The truth of several services through one connection, each read after its own sync. */
  static Map<String, Map<String, Node>> readAll(String connectString, List<String> services) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk;
    try {
      zk = new ZooKeeper(connectString, 10_000, e -> {
        if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
          connected.countDown();
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      if (!connected.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no connection to " + connectString);
      }
      Map<String, Map<String, Node>> all = new HashMap<>();
      for (String service : services) {
        all.put(service, read(zk, service));
      }
      return all;
    } finally {
      zk.close();
    }
  }

  private static Map<String, Node> read(ZooKeeper zk, String service) throws Exception {
    String path = "/services/" + service;
    CompletableFuture<Void> synced = new CompletableFuture<>();
    zk.sync(path, (rc, p, ctx) -> synced.complete(null), null);
    synced.get(10, TimeUnit.SECONDS);
    Map<String, Node> out = new HashMap<>();
    List<String> children;
    try {
      children = zk.getChildren(path, false);
    } catch (KeeperException.NoNodeException e) {
      return out;
    }
    for (String child : children) {
      Stat stat = new Stat();
      try {
        byte[] data = zk.getData(path + "/" + child, false, stat);
        out.put(child, new Node(InstanceCodec.springCloud().decode(service, child, data), stat.getEphemeralOwner()));
      } catch (KeeperException.NoNodeException e) {
        // went while listing
      }
    }
    return out;
  }

  /**
   * Every view equals the truth, and every open registration exists once, owned by the
   * current session of the Roster that made it.
   */
  static void assertConverged(String connectString, String service, List<ServiceView> views,
      Map<Registration, Roster> registrations) throws Exception {
    Map<String, Node> truth = read(connectString, service);
    Map<String, ServiceInstance> expected = new HashMap<>();
    truth.forEach((id, node) -> expected.put(id, node.instance()));
    for (ServiceView view : views) {
      Map<String, ServiceInstance> seen = new HashMap<>();
      view.instances().forEach(i -> seen.put(i.id(), i));
      assertThat(seen).as("view of %s", service).isEqualTo(expected);
      assertThat(view.isStale()).as("view of %s is stale", service).isFalse();
    }
    for (Map.Entry<Registration, Roster> e : registrations.entrySet()) {
      if (!e.getKey().isOpen() || !e.getValue().isConnected()) {
        continue;
      }
      String id = e.getKey().instance().id();
      assertThat(truth).as("node of %s", id).containsKey(id);
      assertThat(truth.get(id).owner()).as("owner of %s", id).isEqualTo(e.getValue().sessionId());
    }
  }
}
