package dev.roster.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/** Records the connection states a ZooKeeper client goes through, in order. */
final class RecordingWatcher implements Watcher {
  static final Duration WAIT = Duration.ofSeconds(15);

  private final List<KeeperState> states = new CopyOnWriteArrayList<>();

  @Override
  public void process(WatchedEvent event) {
    if (event.getType() == EventType.None) {
      states.add(event.getState());
    }
  }

  List<KeeperState> states() {
    return List.copyOf(states);
  }

  /** Whether {@code later} was seen after the first {@code earlier}. */
  boolean sawInOrder(KeeperState earlier, KeeperState later) {
    List<KeeperState> seen = states();
    int first = seen.indexOf(earlier);
    return first >= 0 && seen.subList(first + 1, seen.size()).contains(later);
  }

  /** Opens a client and waits until it is connected; the caller closes it. */
  static ZooKeeper connect(String connectString, int sessionTimeoutMs, Watcher watcher)
      throws IOException, InterruptedException {
    ZooKeeper client = new ZooKeeper(connectString, sessionTimeoutMs, watcher);
    try {
      await().atMost(WAIT).until(() -> client.getState().isConnected());
    } catch (RuntimeException | Error e) {
      client.close();
      throw e;
    }
    return client;
  }
}
