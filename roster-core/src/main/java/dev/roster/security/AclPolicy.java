package dev.roster.security;

import dev.roster.internal.Validation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The ACL on every node a Roster creates, and what a Roster accepts of a service node it did
 * not create. ZooKeeper ACLs do not inherit, and removing a node takes the {@code DELETE}
 * permission on its <em>parent</em>, so a service is protected by the ACL of its own node as
 * much as by those of its instances.
 *
 * <ul>
 *   <li>{@link #open()}: everyone may do everything ({@code world:anyone}, all permissions), as
 *       Curator and Spring Cloud Zookeeper write by default. The default without an identity.
 *   <li>{@link #serviceOwned()}: the service node and each instance node give the identity that
 *       created them all permissions and everyone else read. Another identity can read the
 *       service but cannot add, delete, overwrite or re-ACL an instance. The default once a
 *       Roster has an identity ({@link Authentication} or a TLS client certificate).
 *   <li>{@link #locked(String...)}: as {@code serviceOwned}, but nobody reads without
 *       authenticating: only the owner and the named reader identities.
 * </ul>
 *
 * <p>Under {@code serviceOwned} and {@code locked}, before its first registration in a
 * service (and again after a session expiry) a Roster reads the service node's ACL and
 * refuses to register if it does not give this Roster's identity all permissions, or gives
 * create, delete, write or admin to anyone else than this identity and the {@link #withAdmins
 * admins}: a squatter who created the service node first does not capture its registrations.
 *
 * <p>ACL ids are written as ZooKeeper spells them, {@code scheme:id}: {@code
 * digest:orders:<base64 sha1>} (see {@link Authentication#digestAclId}), {@code
 * sasl:orders@EXAMPLE.COM}, {@code x509:CN=orders,O=Example}. Immutable.
 */
public final class AclPolicy {
  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9]{0,31}");

  private final String name;
  private final boolean worldReadable;
  private final boolean owned;
  private final List<String> readers;
  private final List<String> admins;

  private AclPolicy(String name, boolean worldReadable, boolean owned, List<String> readers, List<String> admins) {
    this.name = name;
    this.worldReadable = worldReadable;
    this.owned = owned;
    this.readers = List.copyOf(readers);
    this.admins = List.copyOf(admins);
  }

  /**
   * Everyone may do everything: today's behaviour, and Curator's.
   *
   * @return the open policy
   */
  public static AclPolicy open() {
    return new AclPolicy("open", true, false, List.of(), List.of());
  }

  /**
   * The creating identity has all permissions, everyone else reads.
   *
   * @return the service-owned policy
   */
  public static AclPolicy serviceOwned() {
    return new AclPolicy("serviceOwned", true, true, List.of(), List.of());
  }

  /**
   * The creating identity has all permissions, the named identities read, and nobody else
   * sees anything (not even which instances exist).
   *
   * @param readerIds ACL ids ({@code scheme:id}) that may read; may be empty, so that only the
   *     owning identity (and ZooKeeper's super user) reads
   * @return the locked policy
   * @throws IllegalArgumentException naming an id that is not {@code scheme:id}
   */
  public static AclPolicy locked(String... readerIds) {
    Objects.requireNonNull(readerIds, "reader ids");
    return new AclPolicy("locked", false, true, ids("reader id", List.of(readerIds)), List.of());
  }

  /**
   * Operator identities that get all permissions on every node this Roster creates, and that
   * may hold write permissions on a service node without it being taken for a squatter's.
   *
   * @param adminIds ACL ids ({@code scheme:id}) of the operators; added to those already named
   * @return a new policy with these admins added
   * @throws IllegalArgumentException naming an id that is not {@code scheme:id}
   * @throws IllegalStateException on {@link #open()}, where everyone already has everything
   */
  public AclPolicy withAdmins(String... adminIds) {
    Objects.requireNonNull(adminIds, "admin ids");
    if (!owned) {
      throw new IllegalStateException("acl policy open: admins mean nothing where everyone has every permission");
    }
    List<String> all = new ArrayList<>(admins);
    all.addAll(ids("admin id", List.of(adminIds)));
    return new AclPolicy(name, worldReadable, true, readers, new ArrayList<>(new LinkedHashSet<>(all)));
  }

  /**
   * {@code open}, {@code serviceOwned} or {@code locked}.
   *
   * @return the policy's name
   */
  public String name() {
    return name;
  }

  /**
   * True unless {@code locked}: everyone may list and read instances.
   *
   * @return whether everyone may list and read instances
   */
  public boolean worldReadable() {
    return worldReadable;
  }

  /**
   * True for {@code serviceOwned} and {@code locked}: nodes belong to their creator, which needs an
   * identity.
   *
   * @return whether nodes belong to their creator
   */
  public boolean owned() {
    return owned;
  }

  /**
   * The reader ids of a {@code locked} policy; empty otherwise.
   *
   * @return the reader ids, unmodifiable
   */
  public List<String> readers() {
    return readers;
  }

  /**
   * The admin ids; empty unless {@link #withAdmins} named some.
   *
   * @return the admin ids, unmodifiable
   */
  public List<String> admins() {
    return admins;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AclPolicy p && p.name.equals(name) && p.readers.equals(readers) && p.admins.equals(admins);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, readers, admins);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("AclPolicy.").append(name);
    if (!readers.isEmpty()) {
      s.append(" readers ").append(readers);
    }
    if (!admins.isEmpty()) {
      s.append(" admins ").append(admins);
    }
    return s.toString();
  }

  /** Checks ACL ids: {@code scheme:id}, a lower-case scheme, an id without spaces or control characters. */
  static List<String> ids(String field, List<String> ids) {
    List<String> checked = new ArrayList<>();
    for (String id : ids) {
      Objects.requireNonNull(id, field);
      int colon = id.indexOf(':');
      String why = null;
      if (colon <= 0 || colon == id.length() - 1) {
        why = "must be scheme:id, such as digest:orders:<hash>, sasl:orders or x509:CN=orders";
      } else if (!SCHEME.matcher(id.substring(0, colon)).matches()) {
        why = "the scheme must be lower-case letters and digits";
      } else if (id.equals("world:anyone")) {
        why = "world:anyone is everyone; use AclPolicy.serviceOwned() for world-readable nodes";
      } else if (id.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)) || id.length() > 1024) {
        why = "must be at most 1024 characters without spaces or control characters";
      } else if (id.startsWith("digest:") && id.indexOf(':', colon + 1) < 0) {
        why = "a digest id is digest:user:<base64 sha1>; Authentication.digestAclId(user, password) makes one";
      }
      if (why != null) {
        throw new IllegalArgumentException(field + " " + Validation.quote(id) + ": " + why);
      }
      checked.add(id);
    }
    return checked;
  }
}
