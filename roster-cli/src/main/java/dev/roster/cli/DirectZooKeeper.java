package dev.roster.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * A plain ZooKeeper client for the commands that look at nodes as nodes, which the library's
 * API does not offer and should not: who owns a node ({@code deregister}), which server the
 * session is on and how long one request takes ({@code status}). Only roster-core's
 * dependency on ZooKeeper is used; nothing of roster-core's internals.
 */
final class DirectZooKeeper implements AutoCloseable {
  private final ZooKeeper zooKeeper;

  private DirectZooKeeper(ZooKeeper zooKeeper) {
    this.zooKeeper = zooKeeper;
  }

  /**
   * Connects and waits for the session, up to {@code --timeout}; a failure is {@link
   * ExitCodes#UNREACHABLE} with the connect string in its message.
   */
  static DirectZooKeeper connect(ZooKeeperOptions zk) {
    CountDownLatch connected = new CountDownLatch(1);
    // How the SASL login ended: ZooKeeper's client says "connected" first, and logs in after.
    CompletableFuture<Boolean> saslLogin = new CompletableFuture<>();
    Watcher watcher = (WatchedEvent event) -> {
      switch (event.getState()) {
        case SyncConnected -> connected.countDown();
        case SaslAuthenticated -> saslLogin.complete(true);
        case AuthFailed -> saslLogin.complete(false);
        default -> { }
      }
    };
    // Options are checked before the connect, so their errors keep their own option's name.
    ZKClientConfig config = zk.security.clientConfig();
    boolean sasl = Boolean.parseBoolean(config.getProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY));
    long deadline = System.nanoTime() + zk.timeout.toNanos();
    Client client;
    try {
      client = new Client(zk.connectString, sessionTimeout(zk.timeout), watcher, config);
    } catch (IOException | IllegalArgumentException e) {
      // A connect string ZooKeeper cannot parse: bad input.
      throw new IllegalArgumentException("--zk '" + zk.connectString + "': " + e.getMessage(), e);
    }
    boolean ok;
    try {
      ok = connected.await(zk.timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ok = false;
    }
    if (!ok) {
      closeQuietly(client);
      throw CommandFailure.unreachable("could not connect to ZooKeeper at " + zk.connectString + " within "
          + Text.duration(zk.timeout) + ZooKeeperOptions.reachHint(), null);
    }
    if (sasl && !saslLoggedIn(saslLogin, deadline)) {
      closeQuietly(client);
      throw new CommandFailure("ZooKeeper at " + zk.connectString + " refused the SASL login of"
          + " JAAS context '" + config.getProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, "Client") + "': check its"
          + " user and password (or Kerberos principal and ticket), and that the servers take SASL");
    }
    zk.security.addAuth(client);
    return new DirectZooKeeper(client);
  }

  /** False if the servers refused the login before the deadline; no answer by then counts as logged in. */
  private static boolean saslLoggedIn(CompletableFuture<Boolean> login, long deadline) {
    try {
      return login.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return true; // requests wait behind a login still under way
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e); // never completed exceptionally
    }
  }

  ZooKeeper client() {
    return zooKeeper;
  }

  /** The server this session is on, as {@code host:port}; null if not known. */
  String server() {
    SocketAddress remote = ((Client) zooKeeper).remote();
    if (remote instanceof InetSocketAddress inet) {
      // The address, not the name it resolved to, so it matches the connect string's servers.
      String host = inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return null;
  }

  @Override
  public void close() {
    closeQuietly(zooKeeper);
  }

  private static void closeQuietly(ZooKeeper zooKeeper) {
    try {
      zooKeeper.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The session outlives a short pause of this process, but not for long: a command that dies
   * leaves nothing behind for long. ZooKeeper bounds it to 2-20 ticks in any case.
   */
  private static int sessionTimeout(Duration timeout) {
    return (int) Math.max(4_000, Math.min(timeout.toMillis(), 30_000));
  }

  /** Opens up the one thing the client knows and does not publish: the server it talks to. */
  private static final class Client extends ZooKeeper {
    Client(String connectString, int sessionTimeout, Watcher watcher, ZKClientConfig config) throws IOException {
      super(connectString, sessionTimeout, watcher, config);
    }

    SocketAddress remote() {
      return testableRemoteSocketAddress();
    }
  }
}
