package dev.roster.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ZooKeeper ensemble on this machine: 3, 5 or more servers, each a child JVM process of
 * this one, listening on 127.0.0.1 only. Because every member is a process of its own, a test can
 * do to it what happens to real servers: kill it ({@code kill -9}), stop it, freeze it ({@code
 * SIGSTOP}) and thaw it, start it again on the same data, or wipe its data as after a lost disk.
 *
 * <pre>{@code
 * try (LocalEnsemble ensemble = LocalEnsemble.builder().size(3).start()) {
 *   ZooKeeper client = new ZooKeeper(ensemble.connectString(), 4_000, event -> {});
 *   ...
 *   LocalEnsemble.Member leader = ensemble.leader();
 *   leader.kill();                                 // the others elect a new leader
 *   ensemble.awaitQuorum(Duration.ofSeconds(10));
 *   leader.start();                                // rejoins as a follower
 * }
 * }</pre>
 *
 * <p>{@link Builder#start()} returns once a quorum serves: every member answers ZooKeeper's
 * {@code srvr} command as leader or follower, and exactly one is leader. Ports are chosen free at
 * start unless given; each member has its own directory under {@link #baseDir()} with its {@code
 * zoo.cfg}, its data ({@code myid}, snapshots and transaction logs) and its log ({@code
 * zookeeper.log}). {@link #close()} kills every member; a temporary base directory is deleted.
 *
 * <p>Members run with a small heap, the serial collector and only the first JIT tier, so they
 * start in about a second and stay light; data is written through to the operating system but
 * not forced to disk ({@code forceSync=no}), so it survives a killed process but not a crashed
 * machine. The admin server is off, and only the four-letter commands {@code srvr}, {@code stat},
 * {@code ruok}, {@code mntr} and {@code cons} are allowed.
 *
 * <p>Members never outlive this JVM: {@link #close()} kills them, a shutdown hook kills them when
 * the JVM exits without closing, and each member halts by itself when this JVM is gone, even
 * after a {@code kill -9}. Freezing relies on POSIX signals, so the ensemble runs on Linux and
 * macOS, not on Windows.
 *
 * <p>All methods are thread-safe.
 */
public final class LocalEnsemble implements AutoCloseable {
  /*
   * Child JVMs, not QuorumPeers in this JVM: only a process can be killed -9 or frozen with
   * SIGSTOP, and a frozen server is the fault that exposes client timeouts. This class is the
   * front door and the lifecycle; the parts each have a class of their own: ChildJvm (the
   * members' command line), MemberProcess (launch and signals), QuorumPeerLauncher (what halts
   * a member once this JVM is gone), ZooCfg (the configuration written and read back), PortPlan
   * (which ports), Observation (what the members say, and whether that is a quorum),
   * DirectoryLock (one ensemble per directory) and Timings (shared with EmbeddedZooKeeper).
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
  private volatile List<Member> members = List.of();

  private volatile boolean closed;

  private LocalEnsemble(
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
   * Returns a builder for an ensemble of 3 members with a 200 ms tick, on free ports, in a
   * temporary directory.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the connect string of the whole ensemble, {@code "127.0.0.1:P1,127.0.0.1:P2,..."},
   * in member order. It names stopped members too: a client tries each in turn.
   *
   * @return the connect string
   */
  public String connectString() {
    return members.stream().map(Member::connectString).collect(Collectors.joining(","));
  }

  /**
   * Returns how many members the ensemble has, running or not.
   *
   * @return 3, 5 or another odd number
   */
  public int size() {
    return settings.size();
  }

  /**
   * Returns one member.
   *
   * @param index 0 to {@code size() - 1}; the member's {@link Member#id() id} is {@code index +
   *     1}
   * @return the member
   * @throws IndexOutOfBoundsException if there is no such member
   */
  public Member member(int index) {
    return members.get(index);
  }

  /**
   * Returns every member, in id order.
   *
   * @return an immutable list
   */
  public List<Member> members() {
    return members;
  }

  /**
   * Returns the member that leads now, asking each running member that is not frozen with {@code
   * srvr}. Each question is bounded by a timeout of 1.5 s.
   *
   * @return the leader
   * @throws IllegalStateException if no member, or more than one, says it leads (during an
   *     election, or without a quorum); the message tells what each member said
   */
  public Member leader() {
    Observation observation = Observation.of(members);
    List<Member> leaders = observation.withState(MemberState.LEADER);
    if (leaders.size() == 1) {
      return leaders.get(0);
    }
    throw new IllegalStateException(
        (leaders.isEmpty() ? "no leader now" : leaders.size() + " members say they lead")
            + " ("
            + observation.describe()
            + ")");
  }

  /**
   * Returns the members that follow now, asking as {@link #leader()} does.
   *
   * @return the followers in id order; empty without a quorum
   */
  public List<Member> followers() {
    return Observation.of(members).withState(MemberState.FOLLOWER);
  }

  /**
   * Waits until a quorum serves: every member that runs and is not frozen answers {@code srvr}
   * as leader or follower, and exactly one is leader. A member that was just started counts once
   * it has synchronised with the leader.
   *
   * @param timeout how long to wait
   * @throws IllegalStateException if the quorum does not form in time (the message tells what
   *     each member said, and ends with the log of those not serving), if the ensemble is closed,
   *     or if the thread is interrupted (its flag is set again)
   */
  public void awaitQuorum(Duration timeout) {
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

  /**
   * Returns the directory that holds one sub-directory per member ({@code member-1}, ...).
   *
   * @return the base directory; a temporary one no longer exists after {@link #close()}
   */
  public Path baseDir() {
    return baseDir;
  }

  /**
   * Returns the tick, the unit of ZooKeeper's timing.
   *
   * @return the tick time
   */
  public Duration tickTime() {
    return settings.timings().tickTime();
  }

  /**
   * Returns the shortest session timeout the members grant; shorter requests are raised to it.
   *
   * @return the minimum session timeout
   */
  public Duration minSessionTimeout() {
    return settings.timings().minSessionTimeout();
  }

  /**
   * Returns the longest session timeout the members grant; longer requests are cut to it.
   *
   * @return the maximum session timeout
   */
  public Duration maxSessionTimeout() {
    return settings.timings().maxSessionTimeout();
  }

  /**
   * Kills every member ({@code SIGKILL}, frozen ones included) and waits for each to end, then
   * deletes the base directory if it is a temporary one. A base directory given to the builder
   * is kept with the members' data, for a later ensemble. Calling it again does nothing.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (Member member : members) {
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
      List<Member> candidates = new ArrayList<>();
      for (int i = 0; i < settings.size(); i++) {
        candidates.add(new Member(i + 1, ports.get(i)));
      }
      members = List.copyOf(candidates);
      for (Member member : candidates) {
        ZooCfg.write(settings, member.id, member.configFile, member.dataDir, ports);
      }
      for (Member member : candidates) {
        synchronized (member.lock) {
          member.launch();
        }
      }
      EnsembleStart.Failure failure =
          EnsembleStart.await(candidates, deadline, settings.startTimeout(), () -> closed);
      if (failure == null) {
        LOG.debug("ensemble {} serving, attempt {}", connectString(), attempt);
        return;
      }
      candidates.forEach(Member::killQuietly);
      if (!failure.portClash() || attempt == START_ATTEMPTS) {
        throw new IllegalStateException(
            failure.message() + (attempt > 1 ? " (start attempt " + attempt + ")" : ""));
      }
      LOG.info("a member could not bind its ports; starting again on other ports");
      ports = plan.fresh();
    }
  }

  private Path memberDir(int id) {
    return baseDir.resolve("member-" + id);
  }

  /** The shutdown hook: kills what runs, without waiting for any lock. */
  private void killAllNow() {
    List<Process> processes = new ArrayList<>();
    for (Member member : members) {
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

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the ensemble in " + baseDir + " is closed");
    }
  }

  /**
   * One server of a {@link LocalEnsemble}: a child JVM with its own configuration, data
   * directory and log, which can be killed, stopped, frozen, thawed, started again and wiped.
   * Its id and ports never change.
   *
   * <p>All methods are thread-safe; the ones that change the process run one at a time.
   */
  public final class Member {
    private final int id;
    private final Ports ports;
    private final Path dir;
    private final Path dataDir;
    private final Path configFile;
    private final Path logFile;

    /** Guards the changes of the process: launch, kill, stop, freeze, thaw, wipe. */
    private final Object lock = new Object();

    private final MemberProcess process;

    private Member(int id, Ports ports) {
      this.id = id;
      this.ports = ports;
      this.dir = memberDir(id);
      this.dataDir = dir.resolve("data");
      this.configFile = dir.resolve("zoo.cfg");
      this.logFile = dir.resolve("zookeeper.log");
      this.process = new MemberProcess(this, id, logFile);
    }

    /**
     * Returns the member's id, ZooKeeper's {@code myid}.
     *
     * @return 1 to {@link LocalEnsemble#size()}
     */
    public int id() {
      return id;
    }

    /**
     * Returns the port the member serves clients on, on 127.0.0.1. It stays the same across
     * restarts of the member.
     *
     * @return the port
     */
    public int clientPort() {
      return ports.client();
    }

    /**
     * Returns this member's address alone, {@code "127.0.0.1:PORT"}, for a client that must talk
     * to this member only.
     *
     * @return the connect string
     */
    public String connectString() {
      return Loopback.ADDRESS + ":" + ports.client();
    }

    /**
     * Returns the process id of the member's JVM: the running one, or the last one while the
     * member is down.
     *
     * @return the pid
     */
    public long pid() {
      Process current = process.process();
      if (current == null) {
        throw new IllegalStateException("member " + id + " was never started");
      }
      return current.pid();
    }

    /**
     * Returns whether the member's process is alive, frozen or not.
     *
     * @return true between a start and the process's end
     */
    public boolean isRunning() {
      return process.isRunning();
    }

    /**
     * Returns whether the member is frozen by {@link #freeze()} and not yet thawed.
     *
     * @return true while frozen
     */
    public boolean isFrozen() {
      return process.isFrozen();
    }

    /**
     * Asks the member with {@code srvr} what it is now. Takes up to 1.5 s when the member does
     * not answer, as when frozen.
     *
     * @return {@code "leader"}, {@code "follower"} (or another ZooKeeper mode); empty if the
     *     member is down, does not answer in time, or answers that it is not serving (it has no
     *     quorum, or is still synchronising)
     */
    public Optional<String> mode() {
      if (!isRunning()) {
        return Optional.empty();
      }
      return FourLetterWords.srvr(ports.client())
          .flatMap(FourLetterWords::mode);
    }

    /**
     * Returns what the member is now: {@link MemberState#DOWN} or {@link MemberState#FROZEN}
     * without asking it, else what its answer to {@code srvr} says. Takes up to 1.5 s when the
     * member does not answer.
     *
     * @return the state; {@link #leader()} and {@link #awaitQuorum(Duration)} judge by the same
     */
    public MemberState state() {
      if (!isRunning()) {
        return MemberState.DOWN;
      }
      if (isFrozen()) {
        return MemberState.FROZEN;
      }
      return MemberState.ofSrvr(FourLetterWords.srvr(ports.client()));
    }

    /**
     * Returns the directory of the member's snapshots, transaction logs and {@code myid}.
     *
     * @return the data directory
     */
    public Path dataDir() {
      return dataDir;
    }

    /**
     * Returns the file that collects the member's standard output and error, across restarts.
     * Members log warnings and errors only.
     *
     * @return the log file
     */
    public Path logFile() {
      return logFile;
    }

    /**
     * Kills the member with {@code SIGKILL}, as {@code kill -9} does, frozen or not, and waits
     * until the process is gone. Its clients lose their connection at once. Does nothing if the
     * member is not running.
     *
     * @throws IllegalStateException if the process survives 10 s, or the thread is interrupted
     */
    public void kill() {
      synchronized (lock) {
        process.kill();
      }
    }

    /**
     * Stops the member with {@code SIGTERM}, as an orderly shutdown does, and waits until the
     * process is gone; after 10 s it is killed. A frozen member is thawed so that it can stop.
     * Does nothing if the member is not running.
     *
     * @throws IllegalStateException if the thread is interrupted
     */
    public void stop() {
      synchronized (lock) {
        process.stop();
      }
    }

    /**
     * Freezes the member with {@code SIGSTOP}: the process stays, its sockets stay open and the
     * kernel still accepts connections for it, but it does nothing (no answers, no pings, no
     * elections) until {@link #thaw()}. To its peers and clients it looks like a server behind a
     * partition or in a very long pause. Does nothing if already frozen.
     *
     * @throws IllegalStateException if the member is not running or the ensemble is closed
     * @throws UnsupportedOperationException on a system without {@code /bin/sh} and {@code kill}
     */
    public void freeze() {
      synchronized (lock) {
        requireOpen();
        process.freeze();
      }
    }

    /**
     * Thaws a frozen member with {@code SIGCONT}: it carries on where it stopped, finds its
     * connections dropped or timed out, and rejoins. Does nothing if not frozen.
     *
     * @throws UnsupportedOperationException on a system without {@code /bin/sh} and {@code kill}
     */
    public void thaw() {
      synchronized (lock) {
        process.thaw();
      }
    }

    /**
     * Starts the member again, with the same configuration, ports and data, and waits until its
     * process listens on its client port. It then synchronises with the leader, if there is a
     * quorum, on its own: await that with {@link LocalEnsemble#awaitQuorum(Duration)}.
     *
     * @throws IllegalStateException if the member is running, the ensemble is closed, or the
     *     process exits or does not listen within the start timeout (the message ends with the
     *     end of its log)
     */
    public void start() {
      synchronized (lock) {
        requireNotRunning("start");
        launch();
        process.awaitListening(
            ports.client(), connectString(), settings.startTimeout(), () -> closed);
      }
    }

    /**
     * Stops the member ({@link #stop()}) if it runs, then starts it again ({@link #start()}).
     *
     * @throws IllegalStateException as {@link #start()} does
     */
    public void restart() {
      synchronized (lock) {
        requireOpen();
        stop();
        start();
      }
    }

    /**
     * Deletes the member's data, snapshots, transaction logs and epochs, as if its disk had been
     * replaced; only {@code myid} stays. Started again, the member joins as a new, empty server
     * and copies everything from the leader. Only while the member is not running.
     *
     * @throws IllegalStateException if the member is running or the ensemble is closed
     * @throws UncheckedIOException if the data cannot be deleted
     */
    public void wipe() {
      synchronized (lock) {
        requireNotRunning("wipe");
        try {
          // Only myid stays, and with it the data directory.
          Directories.deleteAllBut(dataDir, Set.of(dataDir.resolve("myid")));
        } catch (IOException e) {
          throw new UncheckedIOException(
              "cannot wipe the data of member " + id + " in " + dataDir, e);
        }
      }
    }

    /**
     * Returns a description for messages: id, address, process id and state.
     *
     * @return for example {@code "member 2 (127.0.0.1:12345, pid 4242, running)"}
     */
    @Override
    public String toString() {
      Process current = process.process();
      String state = !isRunning() ? "down" : isFrozen() ? "frozen" : "running";
      return "member "
          + id
          + " ("
          + connectString()
          + (current == null ? "" : ", pid " + current.pid())
          + ", "
          + state
          + ")";
    }

    /** The last lines of the current process's log, indented, for exception messages. */
    String logTail() {
      return process.logTail();
    }

    MemberProcess process() {
      return process;
    }

    /** Called with {@link #lock} held. */
    private void requireNotRunning(String what) {
      requireOpen();
      if (isRunning()) {
        throw new IllegalStateException(
            "cannot " + what + " " + this + ": it is running; stop or kill it first");
      }
    }

    /** Starts the process. Called with {@link #lock} held, while not running. */
    private void launch() {
      process.launch(childJvm.processBuilder(configFile, dir, logFile));
    }

    /** For close() and failed starts: kills, and only logs what goes wrong. */
    private void killQuietly() {
      try {
        kill();
      } catch (RuntimeException e) {
        LOG.warn("could not kill {}", this, e);
      }
    }
  }

  /**
   * Settings for a {@link LocalEnsemble}. Every setting has a default; {@link #start()} starts
   * the members and waits for a quorum.
   */
  public static final class Builder {
    private int size = 3;
    private Timings timings = Timings.ofTick(200);
    private int initLimit = 20;
    private int syncLimit = 10;
    private @Nullable Path baseDir;
    private List<String> jvmOptions = List.of();
    private Duration startTimeout = Duration.ofSeconds(60);
    private List<Integer> clientPorts = List.of();
    private FreePorts freePorts = FreePorts.SYSTEM;

    private Builder() {}

    /**
     * Sets how many servers the ensemble has. The default is 3, which survives one failure; 5
     * survives two.
     *
     * @param size an odd number, at least 3
     * @return this builder
     * @throws IllegalArgumentException if even or less than 3
     */
    public Builder size(int size) {
      if (size < 3 || size % 2 == 0) {
        throw new IllegalArgumentException(
            "ensemble size " + size + ": must be odd and at least 3 (3, 5, 7, ...)");
      }
      this.size = size;
      return this;
    }

    /**
     * Sets the tick, ZooKeeper's unit of time. The default, 200 ms, makes failures show quickly:
     * sessions may last 400 ms to 4 s, a follower that does not answer the leader for 10 ticks
     * (2 s) is dropped, and a new follower has 20 ticks (4 s) to copy the leader's data.
     *
     * @param tickTime at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if shorter than 1 ms or too long
     */
    public Builder tickTime(Duration tickTime) {
      this.timings = timings.withTickTime(tickTime);
      return this;
    }

    /**
     * Sets the shortest session timeout the members grant. The default is 2 ticks.
     *
     * @param minSessionTimeout at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if shorter than 1 ms or too long
     */
    public Builder minSessionTimeout(Duration minSessionTimeout) {
      this.timings = timings.withMinSessionTimeout(minSessionTimeout);
      return this;
    }

    /**
     * Sets the longest session timeout the members grant. The default is 20 ticks.
     *
     * @param maxSessionTimeout at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if shorter than 1 ms or too long
     */
    public Builder maxSessionTimeout(Duration maxSessionTimeout) {
      this.timings = timings.withMaxSessionTimeout(maxSessionTimeout);
      return this;
    }

    /**
     * Sets ZooKeeper's {@code initLimit}: how many ticks a follower has to connect to a new
     * leader and copy its data. The default is 20.
     *
     * @param ticks at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder initLimit(int ticks) {
      this.initLimit = positiveTicks("init limit", ticks);
      return this;
    }

    /**
     * Sets ZooKeeper's {@code syncLimit}: for how many ticks a follower may fail to answer the
     * leader before it is dropped, and a leader may stay silent before its followers give up on
     * it. The default is 10.
     *
     * @param ticks at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder syncLimit(int ticks) {
      this.syncLimit = positiveTicks("sync limit", ticks);
      return this;
    }

    /**
     * Sets the directory for the members' configurations, data and logs, created if missing and
     * kept after {@link LocalEnsemble#close()}: an ensemble started later on it has the same data
     * and, if they are free, the same ports. By default the ensemble uses a temporary directory
     * that {@code close()} deletes. One directory serves one running ensemble at a time.
     *
     * @param baseDir the directory
     * @return this builder
     */
    public Builder baseDir(Path baseDir) {
      this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
      return this;
    }

    /**
     * Sets the client ports, one per member in id order; 0 lets the ensemble choose. By default
     * all are chosen. The quorum and election ports are always chosen.
     *
     * @param clientPorts as many as {@link #size(int)}, each 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if a port is out of range or given twice
     */
    public Builder clientPorts(List<Integer> clientPorts) {
      List<Integer> copy = List.copyOf(clientPorts);
      for (int port : copy) {
        if (port < 0 || port > 65_535) {
          throw new IllegalArgumentException("client port " + port + ": must be 0 to 65535");
        }
        if (port != 0 && copy.indexOf(port) != copy.lastIndexOf(port)) {
          throw new IllegalArgumentException("client port " + port + ": given twice in " + copy);
        }
      }
      this.clientPorts = copy;
      return this;
    }

    /**
     * Adds options to each member's JVM, after the defaults ({@code -Xmx96m},
     * {@code -XX:+UseSerialGC}, {@code -XX:TieredStopAtLevel=1}, ...), so that they win where
     * they overlap: {@code List.of("-Xmx256m")} gives members a bigger heap. System properties
     * given here reach ZooKeeper, as {@code -Dzookeeper.snapCount=1000} does.
     *
     * @param jvmOptions the options, none by default
     * @return this builder
     */
    public Builder jvmOptions(List<String> jvmOptions) {
      this.jvmOptions = List.copyOf(jvmOptions);
      return this;
    }

    /**
     * Sets how long {@link #start()} waits for a quorum, and {@link Member#start()} for a member
     * to listen. The default is 60 s.
     *
     * @param startTimeout positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder startTimeout(Duration startTimeout) {
      Objects.requireNonNull(startTimeout, "startTimeout");
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("start timeout " + startTimeout + ": must be positive");
      }
      this.startTimeout = startTimeout;
      return this;
    }

    /** For tests of the retry after a port clash. */
    Builder freePorts(FreePorts freePorts) {
      this.freePorts = Objects.requireNonNull(freePorts, "freePorts");
      return this;
    }

    /**
     * Starts the members and waits until a quorum serves. If a member cannot bind a port chosen
     * for it (something took it meanwhile), the start is tried again on other ports.
     *
     * @return the running ensemble; close it when done
     * @throws IllegalArgumentException if the settings disagree: client ports for another size,
     *     or a minimum session timeout above the maximum
     * @throws PortInUseException if a given client port is taken
     * @throws IllegalStateException if the base directory is used by a running ensemble, or no
     *     quorum forms within the start timeout, or a member fails to start; the message ends
     *     with the end of the failing members' logs
     * @throws UncheckedIOException if the directories cannot be created or written
     */
    public LocalEnsemble start() {
      Timings resolved = timings.resolve();
      if (!clientPorts.isEmpty() && clientPorts.size() != size) {
        throw new IllegalArgumentException(
            "client ports " + clientPorts + ": expected one per member, " + size);
      }
      EnsembleSettings settings =
          new EnsembleSettings(
              size, resolved, initLimit, syncLimit, jvmOptions, startTimeout, clientPorts, freePorts);
      boolean temporary = baseDir == null;
      Path dir =
          Directories.create(
              temporary ? null : Objects.requireNonNull(baseDir).toAbsolutePath().normalize(),
              "roster-ensemble-",
              "the ensemble's directory");
      LocalEnsemble ensemble;
      try {
        DirectoryLock lock = DirectoryLock.acquire(dir);
        try {
          ensemble = new LocalEnsemble(settings, dir, temporary, lock);
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

    private static int positiveTicks(String name, int ticks) {
      if (ticks < 1) {
        throw new IllegalArgumentException(name + " " + ticks + ": must be at least 1 tick");
      }
      return ticks;
    }
  }
}
