package dev.roster.internal;

import java.time.Duration;
import java.util.Locale;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one view's full reads within the ZooKeeper client's limit on one reply ({@code
 * jute.maxbuffer}). A reply larger than that makes the client drop the connection and report
 * a plain connection loss, which, read again on every reconnect, would drop the connection of
 * every view and registration of the Roster again and again. Two replies can outgrow it: the
 * listing of a very wide service, and a batch of nodes read in one {@code multi}. Used on the
 * view's context only.
 */
final class ReplyLimits {
  private static final Logger log = LoggerFactory.getLogger(ReplyLimits.class);
  /** Connection losses in a row during the listing after which its size is checked. */
  private static final int LISTING_LOSSES_TO_SUSPECT = 3;
  /** Ids longer than this on average are not blamed for a dropped listing. */
  private static final int PLAUSIBLE_ID_LENGTH = 255;
  /** A getChildren2 reply's bytes besides the names: reply header, name count, the parent's Stat. */
  private static final int LISTING_OVERHEAD = 16 + 4 + 68;
  private static final int MAX_READ_BATCH = 100;
  private static final int TYPICAL_NODE_CEILING = 4 * 1024;
  /** One getData result in a multi reply besides its data: op header and Stat. */
  private static final int NODE_REPLY_OVERHEAD = 12 + 68;

  /** What {@link #checkListing} found: whether to hold the listing back, and a new refusal to tell. */
  record Listing(boolean hold, @Nullable String tooWide) {}

  private final String service;
  private final String path;
  private final int maxInstanceBytes;
  /** Connection losses in a row while the listing was in flight. */
  private int listingLosses;
  /** The child count at which the listing was found too large for the client; 0 if it was not. */
  private int tooWideAt;
  /** Whether a full read fetches nodes several to a request; see {@link #batch}. */
  private boolean batched = true;

  ReplyLimits(String service, String path, int maxInstanceBytes) {
    this.service = service;
    this.path = path;
    this.maxInstanceBytes = maxInstanceBytes;
  }

  /** True when the listing should be checked ({@link #checkListing}) before it is asked for. */
  boolean listingSuspect() {
    return tooWideAt > 0 || listingLosses >= LISTING_LOSSES_TO_SUSPECT;
  }

  /** The connection was lost while the listing was in flight. */
  void listingLost() {
    listingLosses++;
  }

  /** A full read succeeded. */
  void fullReadDone(int largestNode) {
    listingLosses = 0;
    if (!batched && largestNode <= TYPICAL_NODE_CEILING) {
      // Read one by one after a loss during a batched read, and no node is large: that loss
      // was an ordinary blip, not a batch too large, so batches are safe again.
      batched = true;
      log.debug("{}: every node is small; full reads are batched again", service);
    }
  }

  /**
   * Whether the service's listing is too large for this client, so that the view must not ask
   * for it. After a few losses in a row while the listing was in flight, one {@code exists}
   * tells how many children there are; if ids of no unusual length would make that many names
   * overflow the limit, the listing is held back (and said so once, in {@link Listing#tooWide})
   * until the service holds fewer children than it did.
   *
   * @throws KeeperException if the {@code exists} failed
   */
  Listing checkListing(ZooKeeper zk, Duration timeout) throws KeeperException {
    Stat stat = ZkOps.await(ZkOps.exists(zk, path), timeout);
    int count = stat == null ? 0 : stat.getNumChildren();
    if (tooWideAt > 0) {
      if (count < tooWideAt) {
        log.info("{} holds {} children now, fewer than the {} whose listing was too large; reading it again",
            service, count, tooWideAt);
        tooWideAt = 0;
        listingLosses = 0;
        return new Listing(false, null);
      }
      return new Listing(true, null);
    }
    int limit = clientMaxPacket(zk);
    // What a listing of this many names costs, if they are no longer than this on average.
    long atMostPlausible = LISTING_OVERHEAD + (long) count * (4 + PLAUSIBLE_ID_LENGTH);
    if (atMostPlausible < limit) {
      listingLosses = 0; // too few children to overflow: an unlucky connection, keep retrying as usual
      return new Listing(false, null);
    }
    tooWideAt = count;
    return new Listing(true, String.format(Locale.ROOT, "cannot list service %s (%s): its %,d instance nodes"
        + " make a getChildren reply larger than the ZooKeeper client's jute.maxbuffer of %,d bytes (ids averaging"
        + " %d characters or more overflow it), and the client drops the connection on such a reply. The view stays"
        + " stale on what it holds and is not listed again until the service holds fewer nodes; split the service,"
        + " or raise -Djute.maxbuffer on every client that watches it", service, path, count, limit,
        Math.max(1, (limit - LISTING_OVERHEAD) / Math.max(1, count) - 4)));
  }

  /**
   * How many nodes one read-only {@code multi} of a full read fetches: as many as fit in half
   * the client's default reply limit at 4 KiB a node (ten times a typical instance; less if
   * {@code maxInstanceBytes} is lower), at most 100. A full read of 10,000 instances then costs
   * 100 requests instead of 10,000: the server's per-request work, not the bytes, was what a
   * first view waited for. Nodes larger than that, written by other tools, could make one
   * batch's reply too large for the client: after one connection loss during a batched read
   * the view goes back to one node per request ({@link #batchLost}), until a full read finds
   * every node small again.
   */
  int batch() {
    if (!batched) {
      return 1;
    }
    int perNode = Math.min(TYPICAL_NODE_CEILING, maxInstanceBytes) + NODE_REPLY_OVERHEAD;
    return Math.max(1, Math.min(MAX_READ_BATCH, (0xfffff / 2) / perNode));
  }

  /** The connection was lost during a full read that read {@code per} nodes to a request. */
  void batchLost(int per) {
    if (per > 1 && batched) {
      batched = false;
      log.info("{}: reading one node per request, after a connection loss during a batched read", service);
    }
  }

  /** The handle's limit on one reply, as its ZooKeeper client read it when it was made. */
  private static int clientMaxPacket(ZooKeeper zk) {
    return zk.getClientConfig().getInt(org.apache.zookeeper.common.ZKConfig.JUTE_MAXBUFFER,
        org.apache.zookeeper.client.ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT);
  }
}
