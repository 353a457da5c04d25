package dev.roster.internal;

import dev.roster.ServiceChange;
import dev.roster.RosterException;
import dev.roster.ServiceInstance;
import dev.roster.codec.InstanceFormatException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared state behind every {@code ServiceView} handle of one service (each handle is a
 * {@link ViewHandle}).
 *
 * <p>How it stays exact with O(1) reads per change: one persistent recursive watch on the
 * service node delivers created, changed and deleted events for each instance node, each
 * with the zxid of the transaction that caused it. A created or changed node costs one
 * {@code getData}, skipped when the view already holds data at least that new. A deleted
 * node costs nothing: it is removed at once, unless the deletion may be half of a
 * replacement (delete and create in one transaction, as Roster does with a node left by its
 * own expired session), so listeners are never handed a removal for an instance that did
 * not go away. Roster's replacing transaction begins by writing the service node's data,
 * which reaches every watcher before the deletion, with the same zxid; a deletion at that
 * zxid is then re-read (one {@code getData}), which tells the removal from the replacement.
 *
 * <p>Persistent watches do not replay what happened while the client was disconnected, so
 * every (re)connect triggers a full resync: list the children, read them all pipelined,
 * diff against what the view holds, publish one change. Until that succeeds the view keeps
 * serving its last list, marked stale.
 *
 * <p>All of this runs on one serial context; readers see a volatile immutable snapshot.
 * Listeners are called on the Roster's event path, after the snapshot they are handed has
 * been published, and are told when the view goes stale and fresh again.
 */
final class SharedView {
  private static final Logger log = LoggerFactory.getLogger(SharedView.class);
  private static final Comparator<ServiceInstance> BY_ID = Comparator.comparing(ServiceInstance::id);
  private static final Duration TOO_WIDE_RECHECK = Duration.ofSeconds(30);
  private static final String UNREADABLE_REASON =
      "not readable by this Roster's identity: its ACL does not grant read (ZooKeeper answered NoAuth)";

  /**
   * One decoded node and the zxids that order it against watch events; its bytes only when
   * a local snapshot is kept (they are what the snapshot file holds), since the view itself
   * serves the decoded instance alone.
   */
  private record Entry(ServiceInstance instance, long czxid, long mzxid, byte @Nullable [] data) {}

  final String service;
  final String path;
  private final RosterCore core;
  final SerialExecutor ctx;

  volatile ViewContents snapshot = ViewContents.EMPTY;
  /** Since when the view is stale; null while fresh. One field, so the two never disagree. */
  private volatile Instant staleSince = Instant.now();
  private volatile int skippedCount;
  private volatile long lastZxid;
  /** The zxid of the last write to the service node itself: a transaction that may replace an instance. */
  private long replacementZxid = -1;
  /** Bumped on every disconnect, so a resync that raced a disconnect does not clear "stale". */
  private final AtomicInteger suspensions = new AtomicInteger();
  /** Orders the stale/fresh transitions of the connection thread and the view's context. */
  private final Object staleLock = new Object();
  final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final List<ViewHandle.Subscriber> listeners = new CopyOnWriteArrayList<>();

  // Context only.
  private final Map<String, Entry> entries = new HashMap<>();
  private final Map<String, String> skipped = new HashMap<>();
  private long watchSession;
  /** The session, and the count of suspensions, as of the last complete read. */
  private long syncedSession;
  private int syncedSuspensions = -1;
  private boolean closed;
  private boolean resyncScheduled;
  private final Backoff resyncBackoff = new Backoff(Duration.ofMillis(250), 6);
  private final ReplyLimits limits;
  private final ViewSnapshots snapshots;
  int refs; // guarded by core's view lock

  private final Watcher watcher = this::onWatchEvent;

  SharedView(RosterCore core, String service, SerialExecutor ctx) {
    this.core = core;
    this.service = service;
    this.path = core.servicePath(service);
    this.limits = new ReplyLimits(service, path, core.config().maxInstanceBytes());
    this.ctx = ctx;
    java.nio.file.Path dir = core.config().snapshotDirectory();
    this.snapshots = dir == null ? null : new ViewSnapshots(dir, core.config().basePath(), service);
  }

  boolean isStale() {
    return staleSince != null;
  }

  Instant staleSince() {
    return staleSince;
  }

  int skippedNodes() {
    return skippedCount;
  }

  long lastZxid() {
    return lastZxid;
  }

  private void noteZxid(long zxid) {
    if (zxid > lastZxid) {
      lastZxid = zxid;
    }
  }

  /** First tasks of a new view: start from the local snapshot, if any, then read ZooKeeper. */
  void start() {
    if (snapshots != null) {
      ctx.execute(this::loadSnapshot);
    }
    ctx.execute(() -> resync(false));
  }

  /** Called from the connection thread when the connection is in doubt. */
  void onSuspended() {
    Instant since = null;
    synchronized (staleLock) {
      suspensions.incrementAndGet();
      if (staleSince == null) {
        since = Instant.now();
        staleSince = since;
        // Queued under the lock, so that stale and fresh reach listeners in the order they happened.
        tellStale(since);
      }
    }
  }

  /** Marks the view fresh unless the connection was in doubt since {@code suspendedBefore}. */
  private void markFresh(int suspendedBefore) {
    synchronized (staleLock) {
      if (suspensions.get() == suspendedBefore && core.isConnected() && staleSince != null) {
        staleSince = null;
        // Only for a view that listeners saw stale: the first read of a new view is no news.
        if (ready.isDone()) {
          for (ViewHandle.Subscriber l : listeners) {
            core.events().execute(() -> l.fresh(service));
          }
        }
      }
    }
  }

  private void tellStale(Instant since) {
    for (ViewHandle.Subscriber l : listeners) {
      core.events().execute(() -> l.stale(service, since));
    }
  }

  /**
   * Called after every connect and reconnect: re-read everything and diff, unless the view
   * has read everything on this session since the connection was last in doubt — as a view
   * opened just before the first CONNECTED event arrives has (a second full read of a large
   * view would cost as many requests, and its replies' memory, for nothing).
   */
  void onConnected() {
    ctx.execute(() -> {
      ZooKeeper zk = core.zooKeeperOrNull();
      if (zk != null && zk.getSessionId() == syncedSession && suspensions.get() == syncedSuspensions) {
        return;
      }
      resync(false);
    });
  }

  void addListener(ViewHandle.Subscriber listener) {
    ctx.execute(() -> {
      if (closed) {
        return;
      }
      ViewContents s = snapshot;
      if (ready.isDone() && !s.all().isEmpty()) {
        ServiceChange now = new ServiceChange(service, s.all(), List.of(), List.of(), s.all());
        core.events().execute(() -> listener.change(now));
      }
      synchronized (staleLock) {
        listeners.add(listener);
        Instant since = staleSince;
        if (since != null && ready.isDone()) {
          core.events().execute(() -> listener.stale(service, since)); // serving a snapshot, or disconnected
        }
      }
    });
  }

  void removeListener(ViewHandle.Subscriber listener) {
    listeners.remove(listener);
    // Again on the context, in case the add is still queued there.
    ctx.execute(() -> listeners.remove(listener));
  }

  /** Stops watching. Context-safe: the watch removal runs on the context. */
  void close() {
    ctx.execute(() -> {
      closed = true;
      listeners.clear();
      ZooKeeper zk = core.zooKeeperOrNull();
      if (zk != null && watchSession == zk.getSessionId()) {
        ZkOps.removeWatch(zk, path, watcher);
      }
    });
    ready.completeExceptionally(new IllegalStateException("view of " + service + " was closed"));
  }

  private void onWatchEvent(WatchedEvent event) {
    if (event.getType() != Watcher.Event.EventType.None) {
      ctx.execute(() -> onEvent(event));
    }
  }

  private void onEvent(WatchedEvent event) {
    if (closed || !ready.isDone()) {
      // Before the first resync every node is read anyway.
      return;
    }
    String p = event.getPath();
    if (path.equals(p) && event.getType() == Watcher.Event.EventType.NodeDataChanged) {
      replacementZxid = event.getZxid(); // see the class comment: a replacement may follow
      return;
    }
    if (p == null || p.length() <= path.length() + 1 || !p.startsWith(path) || p.charAt(path.length()) != '/') {
      return;
    }
    String child = p.substring(path.length() + 1);
    if (child.indexOf('/') >= 0) {
      return; // deeper than an instance node: not ours to interpret
    }
    long zxid = event.getZxid();
    boolean knownZxid = zxid > 0;
    if (knownZxid) {
      noteZxid(zxid);
    }
    Entry current = entries.get(child);
    switch (event.getType()) {
      case NodeCreated:
      case NodeDataChanged:
        if (current != null && knownZxid && current.mzxid() >= zxid) {
          return; // already read data at least this new
        }
        read(child);
        break;
      case NodeDeleted:
        if (current == null && !skipped.containsKey(child)) {
          return;
        }
        if (current != null && knownZxid && current.czxid() > zxid) {
          return; // we hold a node created after this deletion
        }
        if (knownZxid && zxid != replacementZxid) {
          removed(child); // no replacement in this transaction: nothing to ask
        } else {
          read(child);
        }
        break;
      default:
        break;
    }
  }

  /** Reads one node and applies what it says. One read request. */
  private void read(String child) {
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null) {
      return;
    }
    ZkOps.NodeData node;
    try {
      node = ZkOps.await(ZkOps.getData(zk, path + "/" + child), core.config().operationTimeout());
    } catch (KeeperException.NoAuthException e) {
      Entry old = entries.get(child);
      List<ServiceInstance> removed = new ArrayList<>(1);
      skip(child, UNREADABLE_REASON, entries, skipped, removed);
      skippedCount = skipped.size();
      publish(List.of(), removed, List.of(), old == null ? null : snapshot.replace(old.instance(), null, BY_ID));
      return;
    } catch (KeeperException e) {
      if (!ZkOps.isConnectionProblem(e)) {
        log.warn("could not read {}/{}: {}", path, child, e.code());
      }
      scheduleResync(); // a full re-read fixes it, whether or not a reconnect event comes
      return;
    }
    core.events().viewRead(service, false, 1);
    if (node == null) {
      removed(child);
      return;
    }
    List<ServiceInstance> added = new ArrayList<>(1);
    List<ServiceInstance> removed = new ArrayList<>(1);
    List<ServiceInstance> updated = new ArrayList<>(1);
    Entry before = entries.get(child);
    apply(child, node, entries, skipped, added, removed, updated);
    skippedCount = skipped.size();
    Entry after = entries.get(child);
    ServiceInstance leaving = before == null ? null : before.instance();
    ServiceInstance arriving = after == null ? null : after.instance();
    publish(added, removed, updated, leaving == arriving ? null : snapshot.replace(leaving, arriving, BY_ID));
    if (!added.isEmpty() || !updated.isEmpty()) {
      // Queued after the listeners' change, so it measures until they were told; the mtime
      // came with the read, so this costs ZooKeeper nothing.
      core.events().changePropagatedSince(service, node.stat().getMtime());
    }
  }

  /** A node is gone: drops it (or its skip) and publishes the removal. */
  private void removed(String child) {
    Entry old = entries.remove(child);
    if (skipped.remove(child) != null) {
      skippedCount = skipped.size();
    }
    if (old != null) {
      publish(List.of(), List.of(old.instance()), List.of(), snapshot.replace(old.instance(), null, BY_ID));
    }
  }

  /** Decodes one node into {@code into}, recording what changed against the current entries. */
  private void apply(String child, ZkOps.NodeData node, Map<String, Entry> into, Map<String, String> skippedInto,
      List<ServiceInstance> added, List<ServiceInstance> removed, List<ServiceInstance> updated) {
    Entry old = entries.get(child);
    ServiceInstance instance;
    try {
      instance = core.config().codec().decode(service, child, node.data());
    } catch (InstanceFormatException e) {
      skip(child, e.getMessage(), into, skippedInto, removed);
      return;
    }
    skippedInto.remove(child);
    if (old != null && old.instance().equals(instance)) {
      // Unchanged (as on every full re-read): keep the object readers already hold, so the
      // published list and the entries share one copy instead of two.
      instance = old.instance();
    } else if (old == null) {
      added.add(instance);
    } else {
      updated.add(instance);
    }
    into.put(child, new Entry(instance, node.stat().getCzxid(), node.stat().getMzxid(),
        snapshots == null ? null : node.data()));
    noteZxid(node.stat().getMzxid());
  }

  /**
   * Counts a node the view cannot use (bad data, or an ACL that hides it from this identity),
   * telling the event listener once per reason; an instance held until now is removed.
   */
  private void skip(String child, String reason, Map<String, Entry> into, Map<String, String> skippedInto,
      List<ServiceInstance> removed) {
    if (!reason.equals(skipped.get(child))) {
      log.warn("skipping {}/{}: {}", path, child, reason);
      core.events().nodeSkipped(service, path + "/" + child, core.config().codec().name(), reason);
    }
    skippedInto.put(child, reason);
    Entry old = into.remove(child);
    if (old == null) {
      old = entries.get(child);
    }
    if (old != null) {
      removed.add(old.instance()); // an instance whose node went bad is no longer usable
    }
  }

  /**
   * Re-reads every node and publishes the difference.
   *
   * @param confirming true for the second read of a held mass removal, which is published
   *     whatever it says
   */
  private void resync(boolean confirming) {
    if (closed) {
      return;
    }
    int suspendedBefore = suspensions.get();
    ZooKeeper zk = core.zooKeeperOrNull();
    if (zk == null || !core.isConnected()) {
      return;
    }
    Duration timeout = core.config().operationTimeout();
    long sid = zk.getSessionId();
    if (limits.listingSuspect() && tooWide(zk, timeout)) {
      return;
    }
    boolean listingAnswered = false;
    int per = 1;
    List<String> children;
    long pzxid = 0;
    List<CompletableFuture<ZkOps.NodeData>> reads;
    Map<String, Entry> next = new HashMap<>();
    Map<String, String> nextSkipped = new HashMap<>();
    List<ServiceInstance> added = new ArrayList<>();
    List<ServiceInstance> removed = new ArrayList<>();
    List<ServiceInstance> updated = new ArrayList<>();
    try {
      // The watch and the listing travel together: the server answers them in order, so the
      // watch is in place before the listing is taken, one round trip sooner.
      CompletableFuture<Void> watched = watchSession == sid ? null : ZkOps.addWatch(zk, path, watcher, true);
      CompletableFuture<ZkOps.Children> listing = ZkOps.getChildren(zk, path);
      if (watched != null) {
        ZkOps.await(watched, timeout);
        watchSession = sid;
      }
      ZkOps.Children listed = ZkOps.await(listing, timeout);
      listingAnswered = true;
      children = listed == null ? List.of() : listed.names();
      pzxid = listed == null ? 0 : listed.stat().getPzxid();
      // Pipelined: every request is sent before the first answer is awaited.
      reads = new ArrayList<>(children.size());
      per = limits.batch();
      for (int i = 0; i < children.size(); i += per) {
        if (per == 1) {
          reads.add(ZkOps.getData(zk, path + "/" + children.get(i)));
          continue;
        }
        List<String> paths = new ArrayList<>(per);
        for (String child : children.subList(i, Math.min(children.size(), i + per))) {
          paths.add(path + "/" + child);
        }
        CompletableFuture<List<ZkOps.NodeData>> batch = ZkOps.getDataAll(zk, paths);
        for (int k = 0; k < paths.size(); k++) {
          int index = k;
          reads.add(batch.thenApply(nodes -> nodes.get(index)));
        }
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      int largest = 0;
      for (int i = 0; i < children.size(); i++) {
        // Decoded as the answers arrive, in order, so decoding overlaps the later replies'
        // transfer; each reply is released once applied, so a large view's replies go at once.
        ZkOps.NodeData node;
        try {
          node = ZkOps.await(reads.set(i, null), Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (KeeperException.NoAuthException e) {
          node = ZkOps.UNREADABLE;
        }
        if (node == ZkOps.UNREADABLE) {
          skip(children.get(i), UNREADABLE_REASON, next, nextSkipped, removed);
        } else if (node != null) {
          largest = Math.max(largest, node.data().length);
          apply(children.get(i), node, next, nextSkipped, added, removed, updated);
        }
      }
      limits.fullReadDone(largest);
    } catch (KeeperException e) {
      if (!listingAnswered && (e.code() == KeeperException.Code.NOAUTH)) {
        // Not this identity's to list (AclPolicy.locked): said once, clearly, and tried again
        // with back-off, so that an operator's fix heals the view.
        if (!ready.isDone()) {
          RosterException refusal = core.ownership().refused(zk, "read", path, e, timeout);
          log.error("view of {}: {}", service, refusal.getMessage());
          ready.completeExceptionally(refusal);
        }
        scheduleResync();
        return;
      }
      if (!listingAnswered && e.code() == KeeperException.Code.CONNECTIONLOSS) {
        limits.listingLost();
      } else if (e.code() == KeeperException.Code.CONNECTIONLOSS) {
        // Perhaps a batch's reply outgrew the client's limit (nodes larger than Roster writes):
        // the next full read goes one node per request, and tells whether any node is large.
        limits.batchLost(per);
      }
      if (ZkOps.isConnectionProblem(e)) {
        log.debug("resync of {} interrupted by {}; retrying", service, e.code());
      } else {
        log.warn("resync of {} failed: {}", service, e.code());
      }
      scheduleResync();
      return;
    }
    resyncBackoff.reset();
    core.events().viewRead(service, true, 1 + children.size());

    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      // Nodes that went bad were counted as removed by apply().
      if (!next.containsKey(e.getKey()) && !nextSkipped.containsKey(e.getKey())) {
        removed.add(e.getValue().instance());
      }
    }
    // Empty and mass-drop protection: after a connection problem, a read that would take away
    // most of the list is more likely a registry in trouble (restarted empty, registrants
    // still re-registering) than a real scale-down. Hold it and read again before believing it.
    if (!confirming && ready.isDone() && !removed.isEmpty()
        && removed.size() >= core.config().massRemovalThreshold() * entries.size()) {
      Duration wait = core.config().massRemovalConfirmation();
      log.warn("re-reading {} would remove {} of {} instances; holding the list for {} ms to confirm",
          service, removed.size(), entries.size(), wait.toMillis());
      core.events().massRemovalHeld(service, removed.size(), entries.size());
      core.timer().schedule(wait, () -> ctx.execute(() -> resync(true)));
      return;
    }
    if (confirming) {
      core.events().massRemovalConfirmed(service, removed.size());
    }
    noteZxid(pzxid);
    entries.clear();
    entries.putAll(next);
    skipped.clear();
    skipped.putAll(nextSkipped);
    skippedCount = skipped.size();
    publish(added, removed, updated);
    markFresh(suspendedBefore);
    syncedSession = sid;
    syncedSuspensions = suspendedBefore;
    ready.complete(null);
  }

  /**
   * Whether the listing must not be asked for now (see {@link ReplyLimits#checkListing}):
   * the first time, the view fails its {@code whenReady()} with why, and stays stale on what it
   * holds, checking the count (one {@code exists}) now and then. Context only.
   */
  private boolean tooWide(ZooKeeper zk, Duration timeout) {
    ReplyLimits.Listing listing;
    try {
      listing = limits.checkListing(zk, timeout);
    } catch (KeeperException e) {
      scheduleResync();
      return true;
    }
    if (!listing.hold()) {
      return false;
    }
    if (listing.tooWide() != null) {
      log.error(listing.tooWide());
      ready.completeExceptionally(new RosterException(listing.tooWide()));
    }
    if (!resyncScheduled && !closed) {
      resyncScheduled = true;
      core.timer().schedule(TOO_WIDE_RECHECK, () -> ctx.execute(() -> {
        resyncScheduled = false;
        if (core.isConnected()) {
          resync(false);
        }
      }));
    }
    return true;
  }

  /**
   * Re-reads everything soon, with exponential, jittered back-off. A read can fail with a
   * connection loss that no reconnect event follows, and persistent watches do not replay,
   * so a missed change must not wait for the next event.
   */
  private void scheduleResync() {
    if (resyncScheduled || closed) {
      return;
    }
    resyncScheduled = true;
    core.timer().schedule(resyncBackoff.next(), () -> ctx.execute(() -> {
      resyncScheduled = false;
      if (core.isConnected()) {
        resync(false);
      }
    }));
  }

  private void publish(List<ServiceInstance> added, List<ServiceInstance> removed, List<ServiceInstance> updated) {
    publish(added, removed, updated, null);
  }

  /** @param next the new contents when the caller made them from the last ones, or null to build them */
  private void publish(List<ServiceInstance> added, List<ServiceInstance> removed, List<ServiceInstance> updated,
      @Nullable ViewContents next) {
    if (added.isEmpty() && removed.isEmpty() && updated.isEmpty()) {
      return;
    }
    ViewContents s = next;
    if (s == null) {
      List<ServiceInstance> all = new ArrayList<>(entries.size());
      for (Entry e : entries.values()) {
        all.add(e.instance());
      }
      all.sort(BY_ID);
      s = ViewContents.of(all);
    }
    snapshot = s;
    scheduleSnapshotWrite();
    ServiceChange change = new ServiceChange(service, sorted(added), sorted(removed), sorted(updated), s.all());
    for (ViewHandle.Subscriber l : listeners) {
      core.events().execute(() -> l.change(change));
    }
  }

  private static List<ServiceInstance> sorted(List<ServiceInstance> list) {
    if (list.size() > 1) {
      list.sort(BY_ID);
    }
    return list;
  }

  /** Starts from the local snapshot, marked stale. Context only. */
  private void loadSnapshot() {
    Map<String, byte[]> nodes = snapshots.load();
    if (nodes == null || nodes.isEmpty() || ready.isDone()) {
      return;
    }
    List<ServiceInstance> added = new ArrayList<>();
    List<ServiceInstance> removed = new ArrayList<>();
    List<ServiceInstance> updated = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : nodes.entrySet()) {
      // Zero zxids: anything read from ZooKeeper later is newer.
      apply(e.getKey(), new ZkOps.NodeData(e.getValue(), new org.apache.zookeeper.data.Stat()),
          entries, skipped, added, removed, updated);
    }
    skippedCount = skipped.size();
    log.info("{}: serving {} instances from the local snapshot until ZooKeeper is read", service, entries.size());
    publish(added, removed, updated);
    snapshots.loaded(); // what was just read from the file needs no write back
    ready.complete(null);
  }

  private void scheduleSnapshotWrite() {
    if (snapshots != null) {
      snapshots.changed(core.timer(), ctx, () -> !closed, () -> {
        Map<String, byte[]> nodes = new java.util.TreeMap<>();
        entries.forEach((child, entry) -> nodes.put(child, entry.data()));
        return nodes;
      }, () -> lastZxid);
    }
  }
}
