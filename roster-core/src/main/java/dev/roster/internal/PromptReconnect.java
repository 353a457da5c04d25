package dev.roster.internal;

import java.net.InetSocketAddress;
import java.util.Collection;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ConnectStringParser;
import org.apache.zookeeper.client.HostProvider;
import org.apache.zookeeper.client.StaticHostProvider;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * Makes ZooKeeper handles that try again promptly once a lost connection can be made again.
 *
 * <p>ZooKeeper's client waits twice between reconnect attempts: a random 0–1 s before every
 * attempt, and another full second each time it has failed on every server in the list. With
 * one server (or one proxy or load balancer in front of an ensemble) that second wait comes
 * before every attempt, so a client whose network heals can sit idle for up to two seconds
 * before it notices. The random wait alone already spreads a crowd of clients out, so once a
 * handle has connected, this host provider skips the extra second. Before the first
 * connection ZooKeeper's client does not wait at random, so there the second is kept: it is
 * what stops a client whose servers are all down from spinning.
 */
final class PromptReconnect implements ZookeeperFactory {
  @Override
  public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly)
      throws Exception {
    return new ZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, hosts(connectString));
  }

  @Override
  public ZooKeeper newZooKeeper(
      String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly, ZKClientConfig config)
      throws Exception {
    if (config == null) {
      return newZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly);
    }
    return new ZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, hosts(connectString), config);
  }

  private static HostProvider hosts(String connectString) {
    return new Hosts(new StaticHostProvider(new ConnectStringParser(connectString).getServerAddresses()));
  }

  /** ZooKeeper's own host provider (shuffling, re-resolving names), minus the spin once connected. */
  static final class Hosts implements HostProvider {
    private final StaticHostProvider delegate;
    private volatile boolean everConnected;

    Hosts(StaticHostProvider delegate) {
      this.delegate = delegate;
    }

    @Override
    public int size() {
      return delegate.size();
    }

    @Override
    public InetSocketAddress next(long spinDelay) {
      return delegate.next(everConnected ? 0 : spinDelay);
    }

    @Override
    public void onConnected() {
      everConnected = true;
      delegate.onConnected();
    }

    @Override
    public boolean updateServerList(Collection<InetSocketAddress> serverAddresses, InetSocketAddress currentHost) {
      return delegate.updateServerList(serverAddresses, currentHost);
    }
  }
}
