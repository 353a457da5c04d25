package dev.roster.cli;

import dev.roster.Roster;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code roster deregister}: deletes one instance's node, but only when that is safe.
 *
 * <p>Safe means no live session owns the node. ZooKeeper gives no list of its sessions, but it
 * needs none here: it deletes an ephemeral node when the owner's session ends, so an ephemeral
 * node that still exists belongs to a session the server still holds alive (a running process,
 * or one that died less than a session timeout ago). Such a node is refused without
 * {@code --force}. A persistent node, which another tool or a hand-run {@code create} left, has
 * no owner to outlive it, and is deleted. The node is deleted at the version it was read at,
 * so one that changed in between is not deleted blind.
 */
@Command(
    name = "deregister",
    description = {
        "Delete an instance's node, if no live session owns it.",
        "",
        "A node that Roster (or Curator, or any ZooKeeper client) registers is ephemeral: it is owned "
            + "by its session and ZooKeeper deletes it when that session ends, so while it exists its "
            + "owner is alive, and it is refused without --force. A persistent node (left by another tool "
            + "or written by hand) has no owner and is deleted.",
        "",
        "With --force an ephemeral node is deleted even so; a running Roster registration notices "
            + "and creates it again, so --force is for the node of a process that is gone or stuck."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster deregister payments p1",
        "  roster deregister payments p1 --force    # even though a live session owns it",
        "  roster deregister servers server1 --base-path /"
    })
final class DeregisterCommand extends BaseCommand implements Callable<Integer> {

  @Mixin ZooKeeperOptions zk;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service, such as payments.")
  String service;

  @Parameters(index = "1", paramLabel = "ID", description = "The instance id: the name of its node.")
  String id;

  @Option(names = "--force", description = "Delete the node even if a live session owns it.")
  boolean force;

  @Override
  public Integer call() {
    // Checked first: bad input fails here, before anything is sent.
    String path = path();
    PrintWriter out = spec.commandLine().getOut();
    String name = service + "/" + id;
    try (DirectZooKeeper direct = DirectZooKeeper.connect(zk)) {
      Stat stat = direct.client().exists(path, false);
      if (stat == null) {
        throw CommandFailure.notFound("no node " + path + " at " + zk.connectString
            + " (is the id right? `roster ls " + service + "` lists the ids)");
      }
      long owner = stat.getEphemeralOwner();
      if (owner != 0 && !force) {
        throw new CommandFailure("refused to deregister " + name + ": its node " + path
            + " is ephemeral, owned by session " + Text.session(owner)
            + ", which ZooKeeper holds alive (its process is running, or died less than a session timeout ago,"
            + " and the node then goes by itself); pass --force to delete it anyway");
      }
      direct.client().delete(path, stat.getVersion());
      if (owner == 0) {
        out.println("deregistered " + name + ": deleted " + path + ", a persistent node no session owns");
      } else {
        out.println("deregistered " + name + ": deleted " + path + ", ephemeral, owned by live session "
            + Text.session(owner) + " (forced with --force; a Roster holding it will register it again)");
      }
      out.flush();
      return ExitCodes.OK;
    } catch (KeeperException.NoNodeException e) {
      throw CommandFailure.notFound("no node " + path + " at " + zk.connectString + " (deleted meanwhile)");
    } catch (KeeperException.BadVersionException e) {
      throw new CommandFailure("did not deregister " + name + ": its node " + path
          + " changed while this command looked at it; run it again");
    } catch (KeeperException.NotEmptyException e) {
      throw new CommandFailure("did not deregister " + name + ": its node " + path
          + " has children, so it is not an instance's node");
    } catch (KeeperException.ConnectionLossException | KeeperException.SessionExpiredException e) {
      throw CommandFailure.unreachable("lost ZooKeeper at " + zk.connectString + " before " + name
          + " was deregistered; run `roster ls " + service + "` to see whether it was", e);
    } catch (KeeperException.NoAuthException e) {
      throw new CommandFailure("ZooKeeper refused to delete " + path + ": deleting a node takes the delete permission"
          + " on its parent, " + zk.servicePath(service) + ", which this command's identity lacks (`roster service acl "
          + service + "` shows who has it; --auth names the identity)");
    } catch (KeeperException e) {
      throw new CommandFailure("could not deregister " + name + " at " + path + ": " + e.code(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailure("interrupted while deregistering " + name, e);
    }
  }

  /** The node's path, or bad input when the names cannot make one. */
  private String path() {
    for (String[] part : new String[][] {{"service name", service}, {"instance id", id}}) {
      String value = part[1];
      if (value.isEmpty() || value.contains("/") || value.equals(".") || value.equals("..")) {
        throw new IllegalArgumentException(part[0] + " '" + value
            + "': must be one node name, not empty, '.', '..' or with '/'");
      }
    }
    // The library's own check of a base path, with its words.
    Roster.builder().basePath(zk.basePath);
    String path = zk.servicePath(service) + "/" + id;
    try {
      PathUtils.validatePath(path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + path + "' is not a ZooKeeper path: " + e.getMessage(), e);
    }
    return path;
  }
}
