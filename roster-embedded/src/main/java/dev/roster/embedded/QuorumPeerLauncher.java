package dev.roster.embedded;

import java.io.IOException;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;

/**
 * The main class of each {@link LocalEnsemble} member's JVM: runs ZooKeeper's {@link
 * QuorumPeerMain} with the given {@code zoo.cfg}, and halts the JVM as soon as the parent process
 * is gone.
 *
 * <p>The parent keeps the write end of the child's standard input open and never writes to it.
 * When the parent ends, however it ends ({@code kill -9} included, when no shutdown hook runs),
 * the operating system closes that pipe and the read below sees end of file. That is what
 * guarantees a member never outlives the JVM that started it.
 */
final class QuorumPeerLauncher {
  /** The exit code of a member whose parent went away; 128 + SIGHUP, as if the terminal hung up. */
  static final int PARENT_GONE = 129;

  private QuorumPeerLauncher() {}

  /**
   * Runs a quorum peer.
   *
   * @param args the path of the member's {@code zoo.cfg}, as {@link QuorumPeerMain} takes it
   */
  public static void main(String[] args) {
    Thread watch = new Thread(QuorumPeerLauncher::haltWhenParentIsGone, "roster-parent-watch");
    watch.setDaemon(true);
    watch.start();
    QuorumPeerMain.main(args);
  }

  private static void haltWhenParentIsGone() {
    try {
      while (System.in.read() >= 0) {
        // The parent never writes; anything read is ignored.
      }
    } catch (IOException e) {
      // A broken pipe means the same as end of file: nobody is there any more.
    }
    // halt, not exit: nothing of this JVM is worth a clean shutdown once its owner is gone.
    Runtime.getRuntime().halt(PARENT_GONE);
  }
}
