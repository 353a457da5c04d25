package dev.roster.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * ZooKeeper operations on one handle, each bounded by a timeout.
 *
 * <p>Roster lets Curator own the connection (reconnects, retries of the connect, session
 * re-establishment) but issues its own operations on the handle of the moment: a view or a
 * registration must know exactly which session an answer came from, and a failed read must
 * fail fast instead of retrying behind its back, because a full re-read follows every
 * reconnect anyway.
 */
public final class ZkOps {
  private ZkOps() {}

  /** A node's data and stat. */
  public record NodeData(byte[] data, Stat stat) {}

  /** Stands in {@link #getDataAll}'s answer for a node whose ACL does not let this session read it. */
  public static final NodeData UNREADABLE = new NodeData(new byte[0], new Stat());

  /** Waits for {@code future} up to {@code timeout}; unwraps ZooKeeper's exceptions. */
  public static <T> T await(CompletableFuture<T> future, Duration timeout) throws KeeperException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KeeperException.create(Code.OPERATIONTIMEOUT);
    } catch (TimeoutException e) {
      future.cancel(false);
      throw KeeperException.create(Code.OPERATIONTIMEOUT);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof KeeperException ke) {
        throw ke;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * Waits up to {@code timeout} until every one of {@code futures} is done, however it ended,
   * so that reading their answers afterwards never blocks. For pipelined requests: waiting on
   * each in turn would park and wake the waiting thread once per answer, and those thousands
   * of hand-offs, not ZooKeeper, are then what a batch costs.
   */
  public static void awaitAll(List<? extends CompletableFuture<?>> futures, Duration timeout) throws KeeperException {
    if (futures.isEmpty()) {
      return;
    }
    try {
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KeeperException.create(Code.OPERATIONTIMEOUT);
    } catch (TimeoutException e) {
      throw KeeperException.create(Code.OPERATIONTIMEOUT);
    } catch (ExecutionException e) {
      // Some failed; each future says how when it is read.
    }
  }

  /** Reads a node; completes with {@code null} if it does not exist. */
  public static CompletableFuture<NodeData> getData(ZooKeeper zk, String path) {
    CompletableFuture<NodeData> f = new CompletableFuture<>();
    zk.getData(path, false, (rc, p, ctx, data, stat) ->
        completeOrNull(f, rc, p, rc == Code.OK.intValue() ? new NodeData(data == null ? new byte[0] : data, stat) : null),
        null);
    return f;
  }

  /**
   * Reads several nodes in one read-only {@code multi} (ZooKeeper 3.6 or later): one request
   * and one reply instead of one each. Completes with one entry per path, in order, {@code
   * null} for a node that does not exist, {@link #UNREADABLE} for one this session may not
   * read; the caller keeps the reply under the client's
   * {@code jute.maxbuffer}.
   */
  public static CompletableFuture<List<@Nullable NodeData>> getDataAll(ZooKeeper zk, List<String> paths) {
    CompletableFuture<List<@Nullable NodeData>> f = new CompletableFuture<>();
    List<Op> ops = new java.util.ArrayList<>(paths.size());
    for (String path : paths) {
      ops.add(Op.getData(path));
    }
    zk.multi(ops, (rc, p, ctx, results) -> {
      // With results, rc is only the first op's error (a node deleted since the listing,
      // say), which is read per op below.
      if (results == null || results.size() != paths.size()) {
        Code code = rc == Code.OK.intValue() ? Code.SYSTEMERROR : Code.get(rc);
        f.completeExceptionally(KeeperException.create(code, paths.get(0)));
        return;
      }
      List<@Nullable NodeData> nodes = new java.util.ArrayList<>(results.size());
      for (int i = 0; i < results.size(); i++) {
        OpResult r = results.get(i);
        if (r instanceof OpResult.GetDataResult d) {
          nodes.add(new NodeData(d.getData() == null ? new byte[0] : d.getData(), d.getStat()));
        } else if (r instanceof OpResult.ErrorResult e && e.getErr() == Code.NONODE.intValue()) {
          nodes.add(null);
        } else if (r instanceof OpResult.ErrorResult e && e.getErr() == Code.NOAUTH.intValue()) {
          nodes.add(UNREADABLE);
        } else {
          int err = r instanceof OpResult.ErrorResult e ? e.getErr() : Code.SYSTEMERROR.intValue();
          f.completeExceptionally(KeeperException.create(Code.get(err), paths.get(i)));
          return;
        }
      }
      f.complete(nodes);
    }, null);
    return f;
  }

  /** A node's children and its own stat. */
  public record Children(List<String> names, Stat stat) {}

  /** Checks a node; completes with its stat, or {@code null} if it does not exist. */
  public static CompletableFuture<Stat> exists(ZooKeeper zk, String path) {
    CompletableFuture<Stat> f = new CompletableFuture<>();
    zk.exists(path, false, (rc, p, ctx, stat) -> completeOrNull(f, rc, p, stat), null);
    return f;
  }

  /** Lists a node's children; completes with {@code null} if the node does not exist. */
  public static CompletableFuture<Children> getChildren(ZooKeeper zk, String path) {
    CompletableFuture<Children> f = new CompletableFuture<>();
    zk.getChildren(path, false, (rc, p, ctx, children, stat) ->
        completeOrNull(f, rc, p, rc == Code.OK.intValue() ? new Children(children, stat) : null), null);
    return f;
  }

  /** Adds a persistent (optionally recursive) watch. */
  public static CompletableFuture<Void> addWatch(ZooKeeper zk, String path, Watcher watcher, boolean recursive) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    zk.addWatch(path, watcher, recursive ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT,
        (rc, p, ctx) -> complete(f, rc, p, null), null);
    return f;
  }

  /** Removes a watch, ignoring a watch that is already gone. */
  public static CompletableFuture<Void> removeWatch(ZooKeeper zk, String path, Watcher watcher) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    try {
      zk.removeWatches(path, watcher, Watcher.WatcherType.Any, true, (rc, p, ctx) -> {
        Code code = Code.get(rc);
        if (code == Code.OK || code == Code.NOWATCHER) {
          f.complete(null);
        } else {
          f.completeExceptionally(KeeperException.create(code, p));
        }
      }, null);
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  /** Creates a node with the ACL {@code acl}. */
  public static CompletableFuture<String> create(ZooKeeper zk, String path, byte[] data, List<ACL> acl,
      CreateMode mode) {
    CompletableFuture<String> f = new CompletableFuture<>();
    zk.create(path, data, acl, mode,
        (rc, p, ctx, name) -> complete(f, rc, p, name), null);
    return f;
  }

  /** Sets a node's data at {@code version} (-1 for any). */
  public static CompletableFuture<Stat> setData(ZooKeeper zk, String path, byte[] data, int version) {
    CompletableFuture<Stat> f = new CompletableFuture<>();
    zk.setData(path, data, version, (rc, p, ctx, stat) -> complete(f, rc, p, stat), null);
    return f;
  }

  /** Deletes a node at {@code version} (-1 for any). */
  public static CompletableFuture<Void> delete(ZooKeeper zk, String path, int version) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    zk.delete(path, version, (rc, p, ctx) -> complete(f, rc, p, null), null);
    return f;
  }

  /** Runs {@code ops} as one transaction; fails with the first failing operation's code. */
  public static CompletableFuture<List<OpResult>> multi(ZooKeeper zk, List<Op> ops) {
    CompletableFuture<List<OpResult>> f = new CompletableFuture<>();
    zk.multi(ops, (rc, p, ctx, results) -> {
      Code code = Code.get(rc);
      if (code == Code.OK) {
        f.complete(results);
        return;
      }
      if (results != null) {
        for (OpResult r : results) {
          if (r instanceof OpResult.ErrorResult err && err.getErr() != Code.OK.intValue()
              && err.getErr() != Code.RUNTIMEINCONSISTENCY.intValue()) {
            code = Code.get(err.getErr());
            break;
          }
        }
      }
      f.completeExceptionally(KeeperException.create(code, p));
    }, null);
    return f;
  }

  /** As {@link #complete}, but a missing node completes with null rather than exceptionally. */
  private static <T> void completeOrNull(CompletableFuture<T> f, int rc, String path, @Nullable T value) {
    if (Code.get(rc) == Code.NONODE) {
      f.complete(null);
    } else {
      complete(f, rc, path, value);
    }
  }

  private static <T> void complete(CompletableFuture<T> f, int rc, String path, T value) {
    Code code = Code.get(rc);
    if (code == Code.OK) {
      f.complete(value);
    } else {
      f.completeExceptionally(KeeperException.create(code, path));
    }
  }

  /** True for failures that a reconnect may cure, as opposed to answers from the server. */
  public static boolean isConnectionProblem(KeeperException e) {
    Code c = e.code();
    return c == Code.CONNECTIONLOSS || c == Code.SESSIONEXPIRED || c == Code.SESSIONMOVED
        || c == Code.OPERATIONTIMEOUT || c == Code.REQUESTTIMEOUT;
  }
}
