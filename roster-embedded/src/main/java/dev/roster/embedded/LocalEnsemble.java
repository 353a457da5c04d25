package dev.roster.embedded;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
  // The design of the parts behind this front door is written down at the top of RunningEnsemble.

  private final RunningEnsemble run;

  private LocalEnsemble(RunningEnsemble run) {
    this.run = run;
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
    return run.connectString();
  }

  /**
   * Returns how many members the ensemble has, running or not.
   *
   * @return 3, 5 or another odd number
   */
  public int size() {
    return run.settings().size();
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
    return run.members().get(index);
  }

  /**
   * Returns every member, in id order.
   *
   * @return an immutable list
   */
  public List<Member> members() {
    return List.copyOf(run.members());
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
    return Observation.of(run.members()).leader();
  }

  /**
   * Returns the members that follow now, asking as {@link #leader()} does.
   *
   * @return the followers in id order; empty without a quorum
   */
  public List<Member> followers() {
    return Observation.of(run.members()).withState(MemberState.FOLLOWER);
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
    run.awaitQuorum(timeout);
  }

  /**
   * Returns the directory that holds one sub-directory per member ({@code member-1}, ...).
   *
   * @return the base directory; a temporary one no longer exists after {@link #close()}
   */
  public Path baseDir() {
    return run.baseDir();
  }

  /**
   * Returns the tick, the unit of ZooKeeper's timing.
   *
   * @return the tick time
   */
  public Duration tickTime() {
    return run.settings().timings().tickTime();
  }

  /**
   * Returns the shortest session timeout the members grant; shorter requests are raised to it.
   *
   * @return the minimum session timeout
   */
  public Duration minSessionTimeout() {
    return run.settings().timings().minSessionTimeout();
  }

  /**
   * Returns the longest session timeout the members grant; longer requests are cut to it.
   *
   * @return the maximum session timeout
   */
  public Duration maxSessionTimeout() {
    return run.settings().timings().maxSessionTimeout();
  }

  /**
   * Kills every member ({@code SIGKILL}, frozen ones included) and waits for each to end, then
   * deletes the base directory if it is a temporary one. A base directory given to the builder
   * is kept with the members' data, for a later ensemble. Calling it again does nothing.
   */
  @Override
  public void close() {
    run.close();
  }

  @Override
  public String toString() {
    return run.toString();
  }

  /**
   * One server of a {@link LocalEnsemble}: a child JVM with its own configuration, data
   * directory and log, which can be killed, stopped, frozen, thawed, started again and wiped.
   * Its id and ports never change.
   *
   * <p>All methods are thread-safe; the ones that change the process run one at a time. Only
   * the ensemble makes members: the interface is sealed.
   */
  public sealed interface Member permits EnsembleMember {
    /**
     * Returns the member's id, ZooKeeper's {@code myid}.
     *
     * @return 1 to {@link LocalEnsemble#size()}
     */
    int id();

    /**
     * Returns the port the member serves clients on, on 127.0.0.1. It stays the same across
     * restarts of the member.
     *
     * @return the port
     */
    int clientPort();

    /**
     * Returns this member's address alone, {@code "127.0.0.1:PORT"}, for a client that must talk
     * to this member only.
     *
     * @return the connect string
     */
    String connectString();

    /**
     * Returns the process id of the member's JVM: the running one, or the last one while the
     * member is down.
     *
     * @return the pid
     */
    long pid();

    /**
     * Returns whether the member's process is alive, frozen or not.
     *
     * @return true between a start and the process's end
     */
    boolean isRunning();

    /**
     * Returns whether the member is frozen by {@link #freeze()} and not yet thawed.
     *
     * @return true while frozen
     */
    boolean isFrozen();

    /**
     * Asks the member with {@code srvr} what it is now. Takes up to 1.5 s when the member does
     * not answer, as when frozen.
     *
     * @return {@code "leader"}, {@code "follower"} (or another ZooKeeper mode); empty if the
     *     member is down, does not answer in time, or answers that it is not serving (it has no
     *     quorum, or is still synchronising)
     */
    Optional<String> mode();

    /**
     * Returns what the member is now: {@link MemberState#DOWN} or {@link MemberState#FROZEN}
     * without asking it, else what its answer to {@code srvr} says. Takes up to 1.5 s when the
     * member does not answer.
     *
     * @return the state; {@link LocalEnsemble#leader()} and {@link
     *     LocalEnsemble#awaitQuorum(Duration)} judge by the same
     */
    MemberState state();

    /**
     * Returns the directory of the member's snapshots, transaction logs and {@code myid}.
     *
     * @return the data directory
     */
    Path dataDir();

    /**
     * Returns the file that collects the member's standard output and error, across restarts.
     * Members log warnings and errors only.
     *
     * @return the log file
     */
    Path logFile();

    /**
     * Kills the member with {@code SIGKILL}, as {@code kill -9} does, frozen or not, and waits
     * until the process is gone. Its clients lose their connection at once. Does nothing if the
     * member is not running.
     *
     * @throws IllegalStateException if the process survives 10 s, or the thread is interrupted
     */
    void kill();

    /**
     * Stops the member with {@code SIGTERM}, as an orderly shutdown does, and waits until the
     * process is gone; after 10 s it is killed. A frozen member is thawed so that it can stop.
     * Does nothing if the member is not running.
     *
     * @throws IllegalStateException if the thread is interrupted
     */
    void stop();

    /**
     * Freezes the member with {@code SIGSTOP}: the process stays, its sockets stay open and the
     * kernel still accepts connections for it, but it does nothing (no answers, no pings, no
     * elections) until {@link #thaw()}. To its peers and clients it looks like a server behind a
     * partition or in a very long pause. Does nothing if already frozen.
     *
     * @throws IllegalStateException if the member is not running or the ensemble is closed
     * @throws UnsupportedOperationException on a system without {@code /bin/sh} and {@code kill}
     */
    void freeze();

    /**
     * Thaws a frozen member with {@code SIGCONT}: it carries on where it stopped, finds its
     * connections dropped or timed out, and rejoins. Does nothing if not frozen.
     *
     * @throws UnsupportedOperationException on a system without {@code /bin/sh} and {@code kill}
     */
    void thaw();

    /**
     * Starts the member again, with the same configuration, ports and data, and waits until its
     * process listens on its client port. It then synchronises with the leader, if there is a
     * quorum, on its own: await that with {@link LocalEnsemble#awaitQuorum(Duration)}.
     *
     * @throws IllegalStateException if the member is running, the ensemble is closed, or the
     *     process exits or does not listen within the start timeout (the message ends with the
     *     end of its log)
     */
    void start();

    /**
     * Stops the member ({@link #stop()}) if it runs, then starts it again ({@link #start()}).
     *
     * @throws IllegalStateException as {@link #start()} does
     */
    void restart();

    /**
     * Deletes the member's data, snapshots, transaction logs and epochs, as if its disk had been
     * replaced; only {@code myid} stays. Started again, the member joins as a new, empty server
     * and copies everything from the leader. Only while the member is not running.
     *
     * @throws IllegalStateException if the member is running or the ensemble is closed
     * @throws UncheckedIOException if the data cannot be deleted
     */
    void wipe();

    /**
     * Returns a description for messages: id, address, process id and state.
     *
     * @return for example {@code "member 2 (127.0.0.1:12345, pid 4242, running)"}
     */
    String toString();
  }

  /**
   * Settings for a {@link LocalEnsemble}. Every setting has a default; {@link #start()} starts
   * the members and waits for a quorum.
   */
  public static final class Builder {
    private final EnsembleOptions options = new EnsembleOptions();

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
      options.size(size);
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
      options.tickTime(tickTime);
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
      options.minSessionTimeout(minSessionTimeout);
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
      options.maxSessionTimeout(maxSessionTimeout);
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
      options.initLimit(ticks);
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
      options.syncLimit(ticks);
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
      options.baseDir(baseDir);
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
      options.clientPorts(clientPorts);
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
      options.jvmOptions(jvmOptions);
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
      options.startTimeout(startTimeout);
      return this;
    }

    /** For tests of the retry after a port clash. */
    Builder freePorts(FreePorts freePorts) {
      options.freePorts(freePorts);
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
      return new LocalEnsemble(RunningEnsemble.start(options.settings(), options.baseDir()));
    }
  }
}
