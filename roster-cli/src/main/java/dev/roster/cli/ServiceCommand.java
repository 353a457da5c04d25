package dev.roster.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.ServiceInstance;
import dev.roster.security.AclPolicy;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code roster service}: what an operator does to a service's node itself, as a node: give it
 * an owner before the service's first deployment, and show who may do what to it.
 *
 * <p>A service node that Roster creates is a container, which ZooKeeper deletes once its last
 * instance is gone; then any identity allowed to create under the base path could create it
 * again with its own ACL. A node made here is persistent instead, so it stays, with its owner,
 * while the service has no instance. See SECURITY.md.
 */
@Command(
    name = "service",
    description = "Give a service's node an owner (create), or show its ACL and its instances' (acl).",
    subcommands = {ServiceCommand.Create.class, ServiceCommand.Acl.class})
final class ServiceCommand extends BaseCommand implements Runnable {
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: one of create, acl");
  }

  /** {@code roster service create NAME --owner ID}. */
  @Command(
      name = "create",
      description = {
          "Create a service's node for its owning identity, or give an existing one that owner.",
          "",
          "The node is persistent, so it outlives the service's last instance and nobody else can create it "
              + "in the meantime. The owner and every --admin get all permissions; everyone else reads, or with "
              + "--locked only the --reader identities. Instances registered by the owner under "
              + "AclPolicy.serviceOwned() (the default for an authenticated Roster) then belong to it alone.",
          "",
          "An existing node without instances is replaced by the persistent one; one with instances keeps them "
              + "and gets the new ACL (which needs the admin permission on it). Run this authenticated (--auth) "
              + "as an identity allowed to create under the base path."
      },
      footerHeading = "%nExamples:%n",
      footer = {
          "  roster whoami --auth digest:payments --password-file payments.pw   # the owner's id",
          "  roster service create payments --owner 'digest:payments:Vb0N...=' --auth digest:ops --password-file ops.pw",
          "  roster service create payments --owner x509:CN=payments,O=Example --locked --reader x509:CN=orders,O=Example"
      })
  static final class Create extends BaseCommand implements Callable<Integer> {
    @Mixin ZooKeeperOptions zk;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service, such as payments.")
    String service;

    @Option(names = "--owner", required = true, paramLabel = "ID",
        description = "The identity that owns the service (scheme:id, as `roster whoami` prints it).")
    String owner;

    @Option(names = "--admin", paramLabel = "ID", description = "An operator identity that gets all permissions too. Repeatable.")
    List<String> admins = new ArrayList<>();

    @Option(names = "--locked", description = "Nobody reads without authenticating: only the owner, admins and --reader ids.")
    boolean locked;

    @Option(names = "--reader", paramLabel = "ID", description = "With --locked: an identity that may read. Repeatable.")
    List<String> readers = new ArrayList<>();

    @Override
    public Integer call() {
      ServiceInstance.builder(service); // the library's check of a service name, with its words
      checkIds();
      if (!locked && !readers.isEmpty()) {
        throw new IllegalArgumentException("--reader: only means something with --locked (everyone reads otherwise)");
      }
      String path = zk.servicePath(service);
      List<ACL> acl = Acls.service(owner, admins, readers, locked);
      PrintWriter out = spec.commandLine().getOut();
      try (DirectZooKeeper direct = DirectZooKeeper.connect(zk)) {
        ZooKeeper client = direct.client();
        ensureBase(client);
        Stat stat = client.exists(path, false);
        if (stat == null) {
          client.create(path, new byte[0], acl, CreateMode.PERSISTENT);
          out.println("created " + path + ", persistent, ACL " + Acls.text(acl));
        } else if (stat.getNumChildren() == 0) {
          List<ACL> before = client.getACL(path, new Stat());
          // Deleted at the version read, so a node that changed meanwhile is not replaced blind.
          client.delete(path, stat.getVersion());
          client.create(path, new byte[0], acl, CreateMode.PERSISTENT);
          out.println("replaced " + path + " (had no instances; ACL was " + Acls.text(before)
              + ") with a persistent node, ACL " + Acls.text(acl));
        } else {
          List<ACL> before = client.getACL(path, new Stat());
          client.setACL(path, acl, -1);
          out.println("set the ACL of " + path + " (" + Acls.text(before) + ", " + Text.count(stat.getNumChildren(), "instance")
              + " kept) to " + Acls.text(acl) + "; instances registered by other identities keep their own ACL"
              + " until they register again");
        }
        out.flush();
        return ExitCodes.OK;
      } catch (KeeperException.NoAuthException e) {
        throw new CommandFailure("ZooKeeper refused to " + (e.getPath() != null && e.getPath().equals(path) ? "change " : "create ")
            + (e.getPath() != null ? e.getPath() : path) + ": this command's identity (" + identity()
            + ") lacks the permission; run it as an identity with create on " + zk.basePath
            + " and admin on an existing service node (`roster service acl " + service + "` shows who has what)");
      } catch (KeeperException.InvalidACLException e) {
        throw new CommandFailure("ZooKeeper did not accept the ACL " + Acls.text(acl) + " for " + path
            + ": is the scheme of every id one the server has an authProvider for?");
      } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException | KeeperException.NotEmptyException e) {
        throw new CommandFailure(path + " changed while this command worked on it; run it again");
      } catch (KeeperException e) {
        throw new CommandFailure("could not create " + path + ": " + e.code(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailure("interrupted while creating " + path, e);
      }
    }

    private void checkIds() {
      // AclPolicy's own rules and words for an ACL id.
      try {
        AclPolicy.locked(owner);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--owner " + e.getMessage().substring("reader id ".length()), e);
      }
      AclPolicy.serviceOwned().withAdmins(admins.toArray(String[]::new));
      AclPolicy.locked(readers.toArray(String[]::new));
    }

    /** Creates the base path's missing ancestors as the library does, so any identity may start a service. */
    private void ensureBase(ZooKeeper client) throws KeeperException, InterruptedException {
      if (zk.basePath.equals("/")) {
        return;
      }
      // A mutable list: ZooKeeper's client asks it whether it contains null.
      List<ACL> base = new ArrayList<>(List.of(new ACL(Perms.ALL, new Id("auth", "")),
          new ACL(Perms.READ | Perms.CREATE, new Id("world", "anyone"))));
      List<ACL> acl = zk.security.auth == null && zk.security.keyStore == null
          ? org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE : base;
      for (int i = zk.basePath.indexOf('/', 1); ; i = zk.basePath.indexOf('/', i + 1)) {
        String part = i < 0 ? zk.basePath : zk.basePath.substring(0, i);
        if (client.exists(part, false) == null) {
          try {
            client.create(part, new byte[0], acl, CreateMode.PERSISTENT);
          } catch (KeeperException.NodeExistsException e) {
            // Created meanwhile by someone else; fine.
          }
        }
        if (i < 0) {
          return;
        }
      }
    }

    private String identity() {
      return zk.security.auth != null ? zk.security.auth : zk.security.keyStore != null ? "x509 from --tls-key" : "anonymous";
    }
  }

  /** {@code roster service acl NAME}. */
  @Command(
      name = "acl",
      description = "Show who may do what to a service's node and to each of its instances' nodes.",
      footerHeading = "%nExamples:%n",
      footer = {"  roster service acl payments", "  roster service acl payments --json"})
  static final class Acl extends BaseCommand implements Callable<Integer> {
    @Mixin ZooKeeperOptions zk;

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service, such as payments.")
    String service;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() {
      String path = zk.servicePath(service);
      PrintWriter out = spec.commandLine().getOut();
      try (DirectZooKeeper direct = DirectZooKeeper.connect(zk)) {
        ZooKeeper client = direct.client();
        Stat stat = new Stat();
        List<ACL> acl = client.getACL(path, stat);
        ObjectNode result = Json.object().put("path", path).put("acl", Acls.text(acl));
        ArrayNode instances = result.putArray("instances");
        List<String> children;
        try {
          children = client.getChildren(path, false);
        } catch (KeeperException.NoAuthException e) {
          children = List.of();
          result.put("instancesHidden", true);
        }
        children = new ArrayList<>(children);
        children.sort(null);
        for (String child : children) {
          try {
            instances.addObject().put("id", child).put("acl", Acls.text(client.getACL(path + "/" + child, new Stat())));
          } catch (KeeperException.NoNodeException e) {
            // Gone meanwhile.
          }
        }
        if (json) {
          out.println(result);
        } else {
          out.println(path + "  " + Acls.text(acl));
          if (result.has("instancesHidden")) {
            out.println("  (instances not listed: this identity may not read the service node)");
          }
          instances.forEach(n -> out.println("  " + n.get("id").asText() + "  " + n.get("acl").asText()));
        }
        out.flush();
        return ExitCodes.OK;
      } catch (KeeperException.NoNodeException e) {
        throw CommandFailure.notFound("no node " + path + " at " + zk.connectString);
      } catch (KeeperException e) {
        throw new CommandFailure("could not read the ACL of " + (e.getPath() != null ? e.getPath() : path) + ": " + e.code(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailure("interrupted while reading " + path, e);
      }
    }
  }
}
