package dev.roster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;

/**
 * Ends ZooKeeper sessions on purpose, to test what a client does when its session expires.
 *
 * <p>{@link #expire} is the real thing: the server closes the session, deletes its ephemeral
 * nodes, fires the watches of other clients, and the client learns of it when it next talks to
 * the server, exactly as after a long network partition. {@link #expireClientSide} only makes the
 * client believe its session expired; the server notices nothing until the session times out.
 */
public final class SessionExpiry {
  private SessionExpiry() {}

  /**
   * Expires a session on the server the way ZooKeeper's own tests do: opens a second client
   * with the same session id and password, waits until it is connected (which takes the session
   * over and drops the first client's connection), and closes it, which closes the session.
   * The original client then reconnects and is told {@code Expired}.
   *
   * <p>Returns once a fresh connection attempt with this session is refused by the server. The
   * server refuses a session as soon as it starts closing it and deletes the ephemeral nodes a
   * moment later, when the close is applied, so a test should await their removal rather than
   * assert it at once. A session that already expired, or a password that does not match, is
   * refused at once too, so the method also returns normally for those.
   *
   * @param connectString where the server is, as given to {@link ZooKeeper}
   * @param sessionId the session to expire ({@link ZooKeeper#getSessionId()})
   * @param password the session's password ({@link ZooKeeper#getSessionPasswd()})
   * @param timeout how long to try in all
   * @throws IllegalStateException if the server cannot be reached, or the session is not gone,
   *     within the timeout, or the calling thread is interrupted (its flag is set again)
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public static void expire(
      String connectString, long sessionId, byte[] password, Duration timeout) {
    Objects.requireNonNull(connectString, "connectString");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout " + timeout + ": must be positive");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    // Closing the takeover handle can lose a race with the original client, which reconnects on
    // its own and takes the session back; then the close never reaches the server. So keep
    // taking the session over and closing it until the server says it no longer exists.
    for (int attempt = 1; ; attempt++) {
      if (takeOverAndClose(connectString, sessionId, password, timeout, deadline, attempt)
          == KeeperState.Expired) {
        return;
      }
    }
  }

  /**
   * Makes a client act as if its session had expired, without involving the server: the client
   * is told {@code Expired} and closes itself. Its session, and the session's ephemeral nodes,
   * stay on the server until the session timeout passes. Use {@link #expire} to expire the
   * session for real.
   *
   * @param zk the client
   */
  public static void expireClientSide(ZooKeeper zk) {
    Objects.requireNonNull(zk, "zk").getTestable().injectSessionExpiration();
  }

  /**
   * Connects a handle to the session and, if the server accepts it, closes it (and with it the
   * session). Returns the state the server answered with: SyncConnected or Expired.
   */
  private static KeeperState takeOverAndClose(
      String connectString,
      long sessionId,
      byte[] password,
      Duration timeout,
      long deadline,
      int attempt) {
    CompletableFuture<KeeperState> answer = new CompletableFuture<>();
    ZooKeeper handle;
    try {
      handle =
          new ZooKeeper(
              connectString,
              sessionTimeoutMillis(timeout),
              event -> {
                if (event.getType() == EventType.None
                    && (event.getState() == KeeperState.SyncConnected
                        || event.getState() == KeeperState.Expired)) {
                  answer.complete(event.getState());
                }
              },
              sessionId,
              password);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open a client to " + connectString + " to expire " + describe(sessionId), e);
    }
    try {
      return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          attempt == 1
              ? "could not connect to "
                  + connectString
                  + " within "
                  + timeout
                  + " to expire "
                  + describe(sessionId)
              : describe(sessionId)
                  + " on "
                  + connectString
                  + " still live after "
                  + timeout
                  + " and "
                  + (attempt - 1)
                  + " closes",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while expiring " + describe(sessionId), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot expire " + describe(sessionId), e.getCause());
    } finally {
      closeHandle(handle, sessionId);
    }
  }

  private static void closeHandle(ZooKeeper handle, long sessionId) {
    try {
      handle.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while expiring " + describe(sessionId), e);
    }
  }

  /** The handle asks for the caller's timeout; the server caps it to its own bounds anyway. */
  private static int sessionTimeoutMillis(Duration timeout) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
  }

  private static String describe(long sessionId) {
    return "session 0x" + Long.toHexString(sessionId);
  }
}
