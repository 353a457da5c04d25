package dev.roster;

import static org.awaitility.Awaitility.await;

import dev.roster.internal.Internals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/** Test helpers that talk to ZooKeeper directly, as another tool or process would. */
final class Zk {
  private Zk() {}

  /** A plain ZooKeeper client, connected. */
  static ZooKeeper connect(String connectString, Duration sessionTimeout) {
    return connected(watcher -> new ZooKeeper(connectString, (int) sessionTimeout.toMillis(), watcher),
        "no connection to " + connectString);
  }

  /** A handle on an existing session, by its id and password, connected. */
  static ZooKeeper reopen(String connectString, long sessionId, byte[] password, Duration sessionTimeout) {
    String failure = "session 0x" + Long.toHexString(sessionId) + " could not be reopened";
    ZooKeeper zk = connected(
        watcher -> new ZooKeeper(connectString, (int) sessionTimeout.toMillis(), watcher, sessionId, password), failure);
    if (zk.getSessionId() != sessionId) {
      close(zk);
      throw new IllegalStateException(failure);
    }
    return zk;
  }

  /** A handle made by {@code open} with a watcher of its own, once that watcher has seen it connected. */
  private static ZooKeeper connected(HandleFactory open, String failure) {
    CountDownLatch connected = new CountDownLatch(1);
    try {
      ZooKeeper zk = open.open(e -> {
        if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
          connected.countDown();
        }
      });
      if (!connected.await(10, TimeUnit.SECONDS)) {
        close(zk);
        throw new IllegalStateException(failure);
      }
      return zk;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private interface HandleFactory {
    ZooKeeper open(Watcher watcher) throws IOException;
  }

  private static void close(ZooKeeper zk) {
    try {
      zk.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static Stat stat(ZooKeeper zk, String path) {
    try {
      return zk.exists(path, false);
    } catch (KeeperException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void createPersistent(ZooKeeper zk, String path, byte[] data) throws Exception {
    StringBuilder p = new StringBuilder();
    String[] parts = path.substring(1).split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      p.append('/').append(parts[i]);
      try {
        zk.create(p.toString(), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException e) {
        // fine
      }
    }
    zk.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
  }

  /** The session id and password of a Roster's current session. */
  static long sessionId(Roster roster) {
    return Internals.core(roster).zooKeeperOrNull().getSessionId();
  }

  static byte[] sessionPassword(Roster roster) {
    return Internals.core(roster).zooKeeperOrNull().getSessionPasswd();
  }

  static ZooKeeper handle(Roster roster) {
    return Internals.core(roster).zooKeeperOrNull();
  }

  static void awaitConnected(Roster roster, Duration within) {
    await().atMost(within).until(roster::isConnected);
  }
}
