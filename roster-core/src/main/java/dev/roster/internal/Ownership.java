package dev.roster.internal;

import dev.roster.RosterException;
import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.ClientInfo;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * Who this Roster is on the server, which ACL each node it creates gets, and whether a
 * service node it did not create is one it may register under.
 *
 * <h2>The ACL of each node Roster creates</h2>
 *
 * <p>"Creator" is ZooKeeper's {@code auth} id: every identity the creating session
 * authenticated as, fixed into the ACL when the node is made.
 *
 * <pre>
 * node                          open()              serviceOwned()                 locked(readers)
 * base path and its ancestors   world:anyone=cdrwa  creator=cdrwa, admins=cdrwa,   creator=cdrwa, admins=cdrwa,
 *                                                   world:anyone=cr                readers=cr
 * service node                  world:anyone=cdrwa  creator=cdrwa, admins=cdrwa,   creator=cdrwa, admins=cdrwa,
 *                                                   world:anyone=r                 readers=r
 * instance node                 world:anyone=cdrwa  as the service node            as the service node
 * </pre>
 *
 * <p>The base path lets anyone ({@code serviceOwned}) or any reader ({@code locked}) create a
 * service node, so that a new service starts without an operator; creating one is all it
 * lets them do, since ZooKeeper ACLs do not inherit. Operators who want to restrict who starts
 * services set the base path's ACL themselves (Roster never changes an ACL it did not set).
 * Whoever first creates the base path owns it, and so may delete empty service nodes under
 * it, which the server's container sweep does anyway.
 *
 * <h2>The squatter check</h2>
 *
 * <p>Because anyone may create a service node, someone else may create it first, with an ACL
 * of their own. Under an owned policy, before its first registration in a service on each
 * session (a new session forgets what the old one verified) a Roster reads the service node's
 * ACL once, and registers under it only if the ACL gives one of this session's identities all
 * permissions and gives create, delete, write or admin to nobody else than those identities
 * and the policy's admins ({@code world:anyone} included). A service node that does not exist
 * is created with the policy's ACL first, and counts as verified once this session created
 * it; one that turns out to exist after all is read like any other. The verification of a
 * service is dropped when this Roster's last registration in it closes, since nothing then
 * keeps the node from being emptied, removed and re-created by someone else.
 *
 * <p>This session's identities are asked of the server ({@code whoAmI}) once per session,
 * sent as the session starts; the {@code ip} scheme is not an identity. The server names a
 * digest identity by its user alone, so the configured {@code Authentication}'s id stands in
 * for it. It shows a node's digest hashes only to a reader with admin permission on it: to
 * the owner of a node it made, but not to one refused. Under {@link
 * AclPolicy#open()} none of this happens: no request is added.
 *
 * <p>Thread-safe: the registrar's context checks and marks services, the connection's
 * context announces sessions.
 */
final class Ownership {
  private static final String FIX = "An operator must re-ACL it, or delete it and pre-create the service for its"
      + " owner (roster service create {service} --owner <this identity's ACL id>); registrations already made"
      + " retry until then";
  private final AclPolicy policy;
  private final String basePath;
  private final @Nullable Authentication authentication;
  private final List<ACL> nodeAcl;
  private final List<ACL> directoryAcl;
  private final Executor executor;
  private final Supplier<@Nullable ZooKeeper> handle;
  private @Nullable Session session; // guarded by this

  /** What one session knows: its identities, and the services verified on it. */
  private static final class Session {
    final long id;
    @Nullable CompletableFuture<Set<Id>> ids; // guarded by Ownership.this
    final Set<String> verified = ConcurrentHashMap.newKeySet();

    Session(long id) {
      this.id = id;
    }
  }

  /** What a service node's ACL says about registering under it. */
  enum Verdict { VERIFIED, ABSENT, REFUSED }

  /** A verdict, with the refusal when there is one. */
  record Check(Verdict verdict, @Nullable RosterException refusal) {
    static final Check VERIFIED = new Check(Verdict.VERIFIED, null);
    static final Check ABSENT = new Check(Verdict.ABSENT, null);
  }

  Ownership(RosterConfig config, Executor executor, Supplier<@Nullable ZooKeeper> handle) {
    this.policy = config.aclPolicy();
    this.basePath = config.basePath();
    this.authentication = config.authentication();
    this.nodeAcl = Security.acl(policy);
    this.directoryAcl = Security.directoryAcl(policy);
    this.executor = executor;
    this.handle = handle;
  }

  /** The ACL of a service or instance node. */
  List<ACL> nodeAcl() {
    return nodeAcl;
  }

  /** The ACL of a node Roster creates above its instance nodes: the service node, or the base path or above. */
  List<ACL> directoryAcl(String path, String servicePath) {
    return path.equals(servicePath) ? nodeAcl : directoryAcl;
  }

  boolean owned() {
    return policy.owned();
  }

  /** A session began: under an owned policy, asks the server who this session is, ahead of the first check. */
  void sessionStarted(long sid) {
    if (!policy.owned()) {
      return;
    }
    ZooKeeper zk = handle.get();
    if (zk != null && zk.getSessionId() == sid) {
      identity(zk, sid);
    }
  }

  /** True if registering in {@code service} needs no check on session {@code sid}. */
  boolean verified(long sid, String service) {
    if (!policy.owned()) {
      return true;
    }
    Session s;
    synchronized (this) {
      s = session;
    }
    return s != null && s.id == sid && s.verified.contains(service);
  }

  /** Records that this session created {@code service}'s node, with the policy's ACL. */
  void created(long sid, String service) {
    if (policy.owned()) {
      session(sid).verified.add(service);
    }
  }

  /** Forgets the verification of {@code service}: this Roster no longer holds a node under it. */
  void forget(String service) {
    Session s;
    synchronized (this) {
      s = session;
    }
    if (s != null) {
      s.verified.remove(service);
    }
  }

  /**
   * The squatter check of one service; one read of its ACL (and, the first time on a session,
   * the answer to {@code whoAmI}).
   *
   * @throws KeeperException on a connection problem, or if the ACL cannot be read
   */
  Check check(ZooKeeper zk, long sid, String service, String servicePath, Duration timeout) throws KeeperException {
    return checkAll(zk, sid, Map.of(service, servicePath), timeout).get(service);
  }

  /**
   * {@link #check} for several services at once, every read sent before the first answer is
   * awaited. Services verified already are not read again.
   *
   * @param services service names, with their nodes' paths
   */
  Map<String, Check> checkAll(ZooKeeper zk, long sid, Map<String, String> services, Duration timeout)
      throws KeeperException {
    Map<String, Check> checks = new LinkedHashMap<>();
    if (!policy.owned()) {
      services.keySet().forEach(s -> checks.put(s, Check.VERIFIED));
      return checks;
    }
    Session s = session(sid);
    Map<String, CompletableFuture<@Nullable AclRead>> reads = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : services.entrySet()) {
      if (s.verified.contains(e.getKey())) {
        checks.put(e.getKey(), Check.VERIFIED);
      } else {
        reads.put(e.getKey(), getAcl(zk, e.getValue()));
      }
    }
    if (reads.isEmpty()) {
      return checks;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<Id> ids = ZkOps.await(identity(zk, sid), timeout);
    for (Map.Entry<String, CompletableFuture<@Nullable AclRead>> e : reads.entrySet()) {
      String service = e.getKey();
      String path = services.get(service);
      AclRead read;
      try {
        read = ZkOps.await(e.getValue(), Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      } catch (KeeperException.NoAuthException unreadable) {
        checks.put(service, new Check(Verdict.REFUSED, new RosterException("refusing to register under service node "
            + path + ": this Roster's identity " + formatIds(ids) + " may not even read its ACL, so another identity"
            + " created or re-ACLed it. " + FIX.replace("{service}", service), unreadable)));
        continue;
      }
      if (read == null) {
        checks.put(service, Check.ABSENT);
        continue;
      }
      String why = whyNotOurs(read.acl(), ids, policy.admins());
      if (why == null) {
        s.verified.add(service);
        checks.put(service, Check.VERIFIED);
      } else {
        checks.put(service, new Check(Verdict.REFUSED, new RosterException("refusing to register under service node "
            + path + ": its ACL " + format(read.acl(), ids) + " " + why + "; this Roster's identity is "
            + formatIds(ids) + ". Another identity created or re-ACLed the node, or it was made before ACLs were"
            + " in use. " + FIX.replace("{service}", service))));
      }
    }
    return checks;
  }

  /**
   * Why an ACL does not make a service node ours, or null if it does: it must give one of
   * {@code ours} all permissions, and create, delete, write or admin to nobody but {@code
   * ours} and {@code admins}.
   */
  static @Nullable String whyNotOurs(List<ACL> acl, Set<Id> ours, List<String> admins) {
    boolean owner = false;
    Map<String, Integer> others = new LinkedHashMap<>();
    for (ACL a : acl) {
      Id id = a.getId();
      if (ours.contains(id)) {
        owner |= (a.getPerms() & Perms.ALL) == Perms.ALL;
        continue;
      }
      if (isAdmin(id, admins)) {
        continue;
      }
      int writes = a.getPerms() & (Perms.CREATE | Perms.DELETE | Perms.WRITE | Perms.ADMIN);
      if (writes != 0) {
        others.merge(shown(id, ours), writes, (x, y) -> x | y);
      }
    }
    List<String> why = new ArrayList<>();
    if (!owner) {
      why.add("does not give this Roster's identity all permissions");
    }
    for (Map.Entry<String, Integer> o : others.entrySet()) {
      why.add("gives " + permNames(o.getValue(), ", ") + " to " + o.getKey());
    }
    if (!why.isEmpty() && !others.isEmpty()) {
      why.set(why.size() - 1, why.get(why.size() - 1) + " (neither this identity nor an admin)");
    }
    return why.isEmpty() ? null : String.join(", and ", why);
  }

  /**
   * True for an admin's entry. The server hides digest hashes from a reader without admin
   * permission on the node, and such a reader is refused anyway (it lacks all permissions):
   * its message then takes an admin's user name for the admin rather than complain of it.
   */
  private static boolean isAdmin(Id id, List<String> admins) {
    if (admins.contains(id.getScheme() + ":" + id.getId())) {
      return true;
    }
    return masked(id) && admins.stream().anyMatch(a -> a.startsWith("digest:" + user(id) + ":"));
  }

  /**
   * A clear error for ZooKeeper's NoAuth or InvalidACL: what was refused, on which node, this
   * session's identity, and the ACL that decided it. Reads that ACL (an error path: one more
   * request).
   *
   * @param op what was tried: {@code create}, {@code delete}, {@code setData}, {@code replace}
   *     (a delete and a create), {@code read} or {@code watch}
   * @param path the node it was tried on
   */
  RosterException refused(ZooKeeper zk, String op, String path, KeeperException e, Duration timeout) {
    Set<Id> ids = identityOrConfigured(zk, timeout);
    if (e.code() == Code.INVALIDACL) {
      List<ACL> ours = op.equals("create") || op.equals("replace") ? aclOf(path) : nodeAcl;
      return new RosterException("ZooKeeper refused " + op + " on " + path + ": the server did not accept the ACL "
          + format(ours, ids) + " — is the identity authenticated, is the x509/sasl authProvider configured, and"
          + " does the server know every scheme in it? (this Roster's identity: " + formatIds(ids) + ")", e);
    }
    boolean onParent = op.equals("create") || op.equals("delete") || op.equals("replace");
    int needed = switch (op) {
      case "create" -> Perms.CREATE;
      case "delete" -> Perms.DELETE;
      case "replace" -> Perms.DELETE | Perms.CREATE;
      case "setData" -> Perms.WRITE;
      default -> Perms.READ;
    };
    String node = onParent ? parent(path) : path;
    String acl;
    int lacking = needed;
    try {
      AclRead read = ZkOps.await(getAcl(zk, node), timeout);
      if (read == null) {
        acl = "gone meanwhile";
      } else {
        acl = "ACL " + format(read.acl(), ids);
        int granted = granted(read.acl(), ids);
        lacking = (needed & ~granted) != 0 ? needed & ~granted : needed;
      }
    } catch (KeeperException unreadable) {
      acl = "ACL unreadable: " + unreadable.code().name().toLowerCase().replace('_', ' ');
    }
    return new RosterException("ZooKeeper refused " + op + " on " + path + ": this Roster's identity "
        + formatIds(ids) + " lacks " + permNames(lacking, " and ").toUpperCase() + (onParent ? " on " + node : "")
        + " (" + acl + ")", e);
  }

  /** True for the two answers {@link #refused} explains. */
  static boolean isAccessProblem(KeeperException e) {
    return e.code() == Code.NOAUTH || e.code() == Code.INVALIDACL;
  }

  private List<ACL> aclOf(String path) {
    return basePath.equals(path) || basePath.startsWith(path + "/") || path.equals("/") ? directoryAcl : nodeAcl;
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  /**
   * The permissions an ACL grants to {@code ids} or to everyone. The server hides a digest
   * id's hash ({@code user:x}) from a reader without admin permission; such an entry is taken
   * for ours when its user is ours.
   */
  private static int granted(List<ACL> acl, Set<Id> ids) {
    int perms = 0;
    for (ACL a : acl) {
      Id id = a.getId();
      if (ids.contains(id) || (id.getScheme().equals("world") && id.getId().equals("anyone"))
          || (masked(id) && ids.stream().anyMatch(o -> o.getScheme().equals("digest")
              && o.getId().startsWith(user(id) + ":")))) {
        perms |= a.getPerms();
      }
    }
    return perms;
  }

  private synchronized Session session(long sid) {
    if (session == null || session.id != sid) {
      session = new Session(sid);
    }
    return session;
  }

  /** This session's identities, asked of the server once (again after a failed ask). */
  private CompletableFuture<Set<Id>> identity(ZooKeeper zk, long sid) {
    Session s = session(sid);
    synchronized (this) {
      if (s.ids != null && !s.ids.isCompletedExceptionally()) {
        return s.ids;
      }
      CompletableFuture<Set<Id>> f = new CompletableFuture<>();
      s.ids = f;
      try {
        // whoAmI has no asynchronous form, and waits a round trip holding the handle's monitor.
        executor.execute(() -> whoAmI(zk, f, authentication));
      } catch (RejectedExecutionException e) {
        f.completeExceptionally(KeeperException.create(Code.CONNECTIONLOSS));
      }
      return f;
    }
  }

  /**
   * Asks the server who this session is. The server names a digest identity by its user
   * alone, while ACLs hold {@code user:hash}: the configured identity's id stands in for it
   * (any other digest user, which this Roster did not authenticate as, matches no ACL).
   */
  private static void whoAmI(ZooKeeper zk, CompletableFuture<Set<Id>> f, @Nullable Authentication authentication) {
    try {
      List<ClientInfo> infos = zk.whoAmI();
      if (infos == null) { // the handle fails a request it could not send by leaving the answer empty
        f.completeExceptionally(KeeperException.create(Code.CONNECTIONLOSS));
        return;
      }
      Set<Id> ids = new LinkedHashSet<>();
      for (ClientInfo info : infos) {
        // An address is where a session comes from, not who it is.
        if ("ip".equals(info.getAuthScheme())) {
          continue;
        }
        if ("digest".equals(info.getAuthScheme()) && authentication != null && authentication.aclId() != null
            && info.getUser().equals(authentication.user())) {
          ids.add(Security.id(authentication.aclId()));
        } else {
          ids.add(new Id(info.getAuthScheme(), info.getUser()));
        }
      }
      f.complete(Set.copyOf(ids));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.completeExceptionally(KeeperException.create(Code.CONNECTIONLOSS));
    } catch (RuntimeException e) {
      f.completeExceptionally(e);
    }
  }

  /** This session's identities for a message: asked of the server, or failing that, the configured one. */
  private Set<Id> identityOrConfigured(ZooKeeper zk, Duration timeout) {
    try {
      return ZkOps.await(identity(zk, zk.getSessionId()), timeout);
    } catch (KeeperException | RuntimeException e) {
      String id = authentication == null ? null : authentication.aclId();
      return id == null ? Set.of() : Set.of(Security.id(id));
    }
  }

  /** A node's ACL, as read. */
  private record AclRead(List<ACL> acl, Stat stat) {}

  /** Reads a node's ACL; completes with {@code null} if it does not exist. */
  private static CompletableFuture<@Nullable AclRead> getAcl(ZooKeeper zk, String path) {
    CompletableFuture<@Nullable AclRead> f = new CompletableFuture<>();
    zk.getACL(path, new Stat(), (rc, p, ctx, acl, stat) -> {
      Code code = Code.get(rc);
      if (code == Code.OK) {
        f.complete(new AclRead(acl, stat));
      } else if (code == Code.NONODE) {
        f.complete(null);
      } else {
        f.completeExceptionally(KeeperException.create(code, p));
      }
    }, null);
    return f;
  }

  /**
   * An ACL as {@code [digest:payments:…=cdrwa, world:anyone=r]}. A digest id's hash is left
   * out: it is a hash of the password, and messages end up in logs.
   */
  static String format(List<ACL> acl, Set<Id> ours) {
    List<String> entries = new ArrayList<>(acl.size());
    for (ACL a : acl) {
      entries.add(shown(a.getId(), ours) + "=" + perms(a.getPerms()));
    }
    return entries.toString();
  }

  static String formatIds(Collection<Id> ids) {
    if (ids.isEmpty()) {
      return "[] (no authenticated identity)";
    }
    List<String> shown = new ArrayList<>();
    for (Id id : ids) {
      shown.add(shown(id, Set.of()));
    }
    return shown.toString();
  }

  /** An id for a message; a digest id without its hash, marked when it has our user name but not our password. */
  private static String shown(Id id, Set<Id> ours) {
    if (id.getScheme().equals("auth")) {
      return "auth (the creating session's identities)";
    }
    if (!id.getScheme().equals("digest")) {
      return id.getScheme() + ":" + id.getId();
    }
    String user = user(id);
    String s = "digest:" + user + ":…";
    if (!ours.contains(id) && !masked(id)) {
      for (Id o : ours) {
        if (o.getScheme().equals("digest") && o.getId().startsWith(user + ":")) {
          return s + " (this user name with another password)";
        }
      }
    }
    return s;
  }

  private static String user(Id digest) {
    int colon = digest.getId().indexOf(':');
    return colon < 0 ? digest.getId() : digest.getId().substring(0, colon);
  }

  /** A digest id whose hash the server hid, as it does from a reader without admin permission. */
  private static boolean masked(Id id) {
    return id.getScheme().equals("digest") && id.getId().endsWith(":x");
  }

  /** Permissions as ZooKeeper's shell writes them: {@code cdrwa}. */
  static String perms(int perms) {
    StringBuilder b = new StringBuilder();
    if ((perms & Perms.CREATE) != 0) {
      b.append('c');
    }
    if ((perms & Perms.DELETE) != 0) {
      b.append('d');
    }
    if ((perms & Perms.READ) != 0) {
      b.append('r');
    }
    if ((perms & Perms.WRITE) != 0) {
      b.append('w');
    }
    if ((perms & Perms.ADMIN) != 0) {
      b.append('a');
    }
    return b.length() == 0 ? "none" : b.toString();
  }

  private static String permNames(int perms, String separator) {
    List<String> names = new ArrayList<>();
    if ((perms & Perms.CREATE) != 0) {
      names.add("create");
    }
    if ((perms & Perms.DELETE) != 0) {
      names.add("delete");
    }
    if ((perms & Perms.READ) != 0) {
      names.add("read");
    }
    if ((perms & Perms.WRITE) != 0) {
      names.add("write");
    }
    if ((perms & Perms.ADMIN) != 0) {
      names.add("admin");
    }
    return String.join(separator, names);
  }
}
