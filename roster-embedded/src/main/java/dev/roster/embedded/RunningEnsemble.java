package dev.roster.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs behind a {@link LocalEnsemble}: its members, its directory and the lock on it, and
 * the shutdown hook; the start, tried again on other ports after a clash, and the close.
 */
final class RunningEnsemble {
  /*
   * Child JVMs, not QuorumPeers in this JVM: only a process can be killed -9 or frozen with
   * SIGSTOP, and a frozen server is the fault that exposes client timeouts. LocalEnsemble is the
   * front door and documents the API; this class is the lifecycle, and the parts each have a
   * class of their own: EnsembleMember (one member's files and lock), ChildJvm (the members'
   * command line), MemberProcess (launch and signals), QuorumPeerLauncher (what halts a member
   * once this JVM is gone), ZooCfg (the configuration written and read back), PortPlan (which
   * ports), EnsembleStart (one start attempt), Observation (what the members say, and whether
   * that is a quorum), DirectoryLock (one ensemble per directory), EnsembleOptions (the
   * builder's checks) and Timings (shared with EmbeddedZooKeeper).
   */

  private static final Logger LOG = LoggerFactory.getLogger(LocalEnsemble.class);

  private static final int START_ATTEMPTS = 3;
  private static final long POLL_MILLIS = 50;

  private final EnsembleSettings settings;
  private final Path baseDir;
  private final boolean temporaryBaseDir;
  private final DirectoryLock directoryLock;
  private final ChildJvm childJvm;
  private final Thread shutdownHook;
  private final Object lifecycle = new Object();

  /** Set once by {@link #startUp()}, except that a start attempt that failed is replaced. */
  private volatile List<EnsembleMember> members = List.of();

  private volatile boolean closed;

  private RunningEnsemble(
      EnsembleSettings settings, Path baseDir, boolean temporaryBaseDir, DirectoryLock lock) {
    this.settings = settings;
    this.baseDir = baseDir;
    this.temporaryBaseDir = temporaryBaseDir;
    this.directoryLock = lock;
    this.childJvm = ChildJvm.prepare(settings, baseDir);
    this.shutdownHook = new Thread(this::killAllNow, "roster-ensemble-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Creates and locks the directory, starts the members and waits for a quorum; on failure
   * leaves nothing behind. Throws as {@link LocalEnsemble.Builder#start()} says.
   *
   * @param baseDir null for a temporary directory
   */
  static RunningEnsemble start(EnsembleSettings settings, @Nullable Path baseDir) {
    boolean temporary = baseDir == null;
    Path dir =
        Directories.create(
            temporary ? null : Objects.requireNonNull(baseDir).toAbsolutePath().normalize(),
            "roster-ensemble-",
            "the ensemble's directory");
    RunningEnsemble ensemble;
    try {
      DirectoryLock lock = DirectoryLock.acquire(dir);
      try {
        ensemble = new RunningEnsemble(settings, dir, temporary, lock);
      } catch (RuntimeException e) {
        lock.release();
        throw e;
      }
    } catch (RuntimeException e) {
      if (temporary) {
        Directories.deleteQuietly(dir, "the ensemble's temporary directory");
      }
      throw e;
    }
    try {
      ensemble.startUp();
      return ensemble;
    } catch (RuntimeException e) {
      ensemble.close();
      throw e;
    }
  }

  EnsembleSettings settings() {
    return settings;
  }

  Path baseDir() {
    return baseDir;
  }

  ChildJvm childJvm() {
    return childJvm;
  }

  /** Every member, in id order; immutable. */
  List<EnsembleMember> members() {
    return members;
  }

  Path memberDir(int id) {
    return baseDir.resolve("member-" + id);
  }

  boolean isClosed() {
    return closed;
  }

  void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the ensemble in " + baseDir + " is closed");
    }
  }

  String connectString() {
    return members.stream().map(EnsembleMember::connectString).collect(Collectors.joining(","));
  }

  /** As {@link LocalEnsemble#awaitQuorum(Duration)} says. */
  void awaitQuorum(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    requireOpen();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Observation observation = Observation.of(members);
      if (observation.formsQuorum()) {
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException(
            "no quorum within "
                + Waits.describe(timeout)
                + " ("
                + observation.describe()
                + ")"
                + observation.logsOfMembersNotServing());
      }
      requireOpen();
      Waits.sleep(POLL_MILLIS, "waiting for a quorum");
    }
  }

  /** As {@link LocalEnsemble#close()} says. */
  void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (EnsembleMember member : members) {
      member.killQuietly();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down; the hook runs or ran, and finds nothing left to kill.
    }
    directoryLock.release();
    if (temporaryBaseDir) {
      Directories.deleteQuietly(baseDir, "the ensemble's temporary directory");
    }
    LOG.debug("ensemble in {} closed", baseDir);
  }

  @Override
  public String toString() {
    return "LocalEnsemble{"
        + connectString()
        + (closed ? ", closed" : "")
        + ", in "
        + baseDir
        + "}";
  }

  /** Starts every member and waits for a quorum, retrying with other ports after a clash. */
  private void startUp() {
    long deadline = System.nanoTime() + settings.startTimeout().toNanos();
    PortPlan plan =
        new PortPlan(settings, baseDir, temporaryBaseDir, id -> memberDir(id).resolve("zoo.cfg"));
    List<Ports> ports = plan.initial();
    for (int attempt = 1; ; attempt++) {
      List<EnsembleMember> candidates = new ArrayList<>();
      for (int i = 0; i < settings.size(); i++) {
        candidates.add(new EnsembleMember(this, i + 1, ports.get(i)));
      }
      members = List.copyOf(candidates);
      for (EnsembleMember member : candidates) {
        member.writeConfig(ports);
      }
      for (EnsembleMember member : candidates) {
        member.launchForStart();
      }
      EnsembleStart.Failure failure =
          EnsembleStart.await(candidates, deadline, settings.startTimeout(), () -> closed);
      if (failure == null) {
        LOG.debug("ensemble {} serving, attempt {}", connectString(), attempt);
        return;
      }
      candidates.forEach(EnsembleMember::killQuietly);
      if (!failure.portClash() || attempt == START_ATTEMPTS) {
        throw new IllegalStateException(
            failure.message() + (attempt > 1 ? " (start attempt " + attempt + ")" : ""));
      }
      LOG.info("a member could not bind its ports; starting again on other ports");
      ports = plan.fresh();
    }
  }

  /** The shutdown hook: kills what runs, without waiting for any lock. */
  private void killAllNow() {
    List<Process> processes = new ArrayList<>();
    for (EnsembleMember member : members) {
      Process process = member.process().destroyNow();
      if (process != null) {
        processes.add(process);
      }
    }
    for (Process process : processes) {
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (temporaryBaseDir) {
      Directories.deleteQuietly(baseDir, "the ensemble's temporary directory");
    }
  }
}
