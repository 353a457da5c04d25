package dev.roster.bench;

import static dev.roster.bench.BenchSupport.BASE;
import static dev.roster.bench.BenchSupport.id;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.codec.InstanceCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The registering side of the propagation bench, one per library: it makes the changes the
 * watchers wait for. Each {@code prepare} method does the untimed part (building instances,
 * opening a session) and returns the timed call.
 */
final class Owners {
  private Owners() {}

  /** The call whose effect the watchers wait for. */
  @FunctionalInterface
  interface Step {
    void run() throws Exception;
  }

  /** One library registering and removing instances of one service. */
  interface Owner extends AutoCloseable {
    /** Registers instance {@code i} on the owner's long-lived session. */
    Step prepareAdd(int i) throws Exception;

    /** Deregisters instance {@code i}, added before with {@link #prepareAdd}. */
    Step prepareRemove(int i) throws Exception;

    /** Opens a session of its own that registers {@code i}; the returned step ends that session. */
    SessionOwner prepareSession(int i) throws Exception;

    @Override
    void close() throws Exception;
  }

  /** A session that owns one instance: {@link #register} is untimed, {@link #close} is timed. */
  interface SessionOwner {
    void register() throws Exception;

    void close() throws Exception;
  }

  static Owner roster(String connectString, String service, Duration sessionTimeout) {
    return new Owner() {
      private final Roster roster = build(connectString, sessionTimeout);
      private final Map<Integer, Registration> registrations = new HashMap<>();

      @Override
      public Step prepareAdd(int i) {
        dev.roster.ServiceInstance instance = BenchSupport.rosterInstance(service, i);
        return () -> registrations.put(i, roster.register(instance));
      }

      @Override
      public Step prepareRemove(int i) {
        Registration registration = registrations.remove(i);
        return registration::close;
      }

      @Override
      public SessionOwner prepareSession(int i) {
        dev.roster.ServiceInstance instance = BenchSupport.rosterInstance(service, i);
        Roster own = build(connectString, sessionTimeout);
        return new SessionOwner() {
          @Override
          public void register() {
            own.register(instance);
          }

          @Override
          public void close() {
            own.close();
          }
        };
      }

      @Override
      public void close() {
        roster.close();
      }
    };
  }

  private static Roster build(String connectString, Duration sessionTimeout) {
    return Roster.builder().connectString(connectString).codec(InstanceCodec.curator())
        .sessionTimeout(sessionTimeout).build();
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  static Owner curator(String connectString, String service, Duration sessionTimeout) throws Exception {
    CuratorFramework client = startCurator(connectString, sessionTimeout);
    ServiceDiscovery<Map> discovery = discovery(client);
    return new Owner() {
      private final Map<Integer, ServiceInstance<Map>> registered = new HashMap<>();

      @Override
      public Step prepareAdd(int i) throws Exception {
        ServiceInstance<Map> instance = BenchSupport.curatorInstance(service, i);
        return () -> {
          discovery.registerService(instance);
          registered.put(i, instance);
        };
      }

      @Override
      public Step prepareRemove(int i) {
        ServiceInstance<Map> instance = registered.remove(i);
        return () -> discovery.unregisterService(instance);
      }

      @Override
      public SessionOwner prepareSession(int i) throws Exception {
        ServiceInstance<Map> instance = BenchSupport.curatorInstance(service, i);
        CuratorFramework own = startCurator(connectString, sessionTimeout);
        // Not closed: its close() would unregister the instance before the session ends. It has no threads.
        ServiceDiscovery<Map> ownDiscovery = discovery(own);
        return new SessionOwner() {
          @Override
          public void register() throws Exception {
            ownDiscovery.registerService(instance);
          }

          @Override
          public void close() {
            own.close();
          }
        };
      }

      @Override
      public void close() throws Exception {
        discovery.close();
        client.close();
      }
    };
  }

  private static CuratorFramework startCurator(String connectString, Duration sessionTimeout) throws Exception {
    CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, (int) sessionTimeout.toMillis(),
        15_000, new ExponentialBackoffRetry(100, 3));
    client.start();
    if (!client.blockUntilConnected(15, TimeUnit.SECONDS)) {
      client.close();
      throw new IllegalStateException("Curator did not connect to " + connectString + " in 15 s");
    }
    return client;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static ServiceDiscovery<Map> discovery(CuratorFramework client) throws Exception {
    ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(client).basePath(BASE)
        .serializer(new JsonInstanceSerializer<>(Map.class)).build();
    discovery.start();
    return discovery;
  }

  /** The floor: a bare {@code create(EPHEMERAL)} and {@code delete} of the Curator JSON. */
  @SuppressWarnings("rawtypes")
  static Owner floor(String connectString, String service, Duration sessionTimeout) throws Exception {
    ZooKeeper zk = BenchSupport.connect(connectString, sessionTimeout);
    JsonInstanceSerializer<Map> serializer = new JsonInstanceSerializer<>(Map.class);
    String parent = BASE + "/" + service + "/";
    return new Owner() {
      @Override
      public Step prepareAdd(int i) throws Exception {
        byte[] data = serializer.serialize(BenchSupport.curatorInstance(service, i));
        return () -> zk.create(parent + id(i), data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
      }

      @Override
      public Step prepareRemove(int i) {
        return () -> zk.delete(parent + id(i), -1);
      }

      @Override
      public SessionOwner prepareSession(int i) throws Exception {
        byte[] data = serializer.serialize(BenchSupport.curatorInstance(service, i));
        ZooKeeper own = BenchSupport.connect(connectString, sessionTimeout);
        return new SessionOwner() {
          @Override
          public void register() throws Exception {
            own.create(parent + id(i), data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
          }

          @Override
          public void close() throws Exception {
            own.close();
          }
        };
      }

      @Override
      public void close() throws Exception {
        zk.close();
      }
    };
  }
}
