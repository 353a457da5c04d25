package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.codec.InstanceCodec;
import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A view keeps what it serves, not what it read: once 20,000 instances are loaded, and again
 * after a full re-read forced by a connection blip, no node's raw bytes are still reachable.
 * The codec sees each read result's data array, so it holds weak references to them.
 */
class ViewMemoryIT {
  private static final int INSTANCES = 20_000;

  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  /** Decodes as Curator's format does, remembering (weakly) every buffer it was handed. */
  private static final class WatchingCodec implements InstanceCodec {
    private final InstanceCodec inner = InstanceCodec.curator();
    final List<WeakReference<byte[]>> seen = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "watching";
    }

    @Override
    public byte[] encode(ServiceInstance instance) {
      return inner.encode(instance);
    }

    @Override
    public ServiceInstance decode(String service, String nodeName, byte[] data) {
      seen.add(new WeakReference<>(data));
      return inner.decode(service, nodeName, data);
    }

    long reachable() {
      return seen.stream().filter(r -> r.get() != null).count();
    }
  }

  @Test
  void noRawReadResultOutlivesItsApplicationEvenAfterAFullReRead() throws Exception {
    writeInstances();
    WatchingCodec codec = new WatchingCodec();
    try (FaultProxy proxy = FaultProxy.start(zk.connectString());
        Roster roster = Roster.builder().connectString(proxy.connectString()).codec(codec)
            .sessionTimeout(Duration.ofSeconds(4)).build()) {
      ServiceView view = roster.watch("bulk");
      view.whenReady().get(60, TimeUnit.SECONDS);
      assertThat(view.instances()).hasSize(INSTANCES);
      assertThat(codec.seen).hasSizeGreaterThanOrEqualTo(INSTANCES);
      awaitAllCollected(codec);

      // A blip shorter than the session: the view re-reads everything on reconnect.
      int before = codec.seen.size();
      proxy.cut();
      await().atMost(Duration.ofSeconds(5)).until(view::isStale);
      proxy.heal();
      await().atMost(Duration.ofSeconds(30)).until(() -> !view.isStale() && codec.seen.size() >= before + INSTANCES);
      assertThat(view.instances()).hasSize(INSTANCES);
      awaitAllCollected(codec);
    }
  }

  /** Every buffer the codec saw is collectable: nothing in the view, its futures or tasks holds one. */
  private static void awaitAllCollected(WatchingCodec codec) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
      System.gc();
      return codec.reachable() == 0;
    });
  }

  private void writeInstances() throws Exception {
    ZooKeeper plain = Zk.connect(zk.connectString(), Duration.ofSeconds(10));
    try {
      Zk.createPersistent(plain, "/services/bulk", new byte[0]);
      Semaphore inFlight = new Semaphore(1_000);
      for (int i = 0; i < INSTANCES; i++) {
        String id = "i" + i;
        byte[] data = ("{\"name\":\"bulk\",\"id\":\"" + id + "\",\"address\":\"10.0." + (i / 250) + "." + (i % 250)
            + "\",\"port\":8080,\"payload\":{\"zone\":\"eu-west-1a\",\"metadata\":{\"version\":\"1.4.2\"}},"
            + "\"registrationTimeUTC\":1700000000000,\"serviceType\":\"DYNAMIC\"}").getBytes(StandardCharsets.UTF_8);
        inFlight.acquire();
        plain.create("/services/bulk/" + id, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT,
            (rc, path, ctx, name) -> inFlight.release(), null);
      }
      assertThat(inFlight.tryAcquire(1_000, 60, TimeUnit.SECONDS)).isTrue();
    } finally {
      plain.close();
    }
  }
}
