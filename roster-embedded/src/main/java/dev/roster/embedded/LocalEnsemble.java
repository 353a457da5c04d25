package dev.roster.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
   * Why it is built this way:
   *
   * - Child JVMs, not QuorumPeers in this JVM: only a process can be killed -9 or frozen with
   *   SIGSTOP, and a frozen server is the fault that exposes client timeouts. Children run this
   *   JVM's java with this JVM's class path, written to an @argfile (a long class path on the
   *   command line of every member would make `ps` unreadable and can pass the length limit of
   *   one argument). The class path must hold ZooKeeper and what its server needs at run time
   *   (metrics-core, snappy-java); roster-embedded declares both, so every build that has this
   *   class has them.
   *
   * - The main class is QuorumPeerLauncher, which runs QuorumPeerMain after starting a thread
   *   that halts the member when its standard input, a pipe from this JVM, reaches end of file.
   *   A shutdown hook alone would not do: it does not run after kill -9, nor when a test runner
   *   halts a timed-out fork.
   *
   * - The environment variables through which every java command picks up options
   *   (JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, _JAVA_OPTIONS) are removed from the members'
   *   environment: a debugger agent listening on a fixed port, for one, would make every member
   *   but the first fail to start. Members take options from jvmOptions() only.
   *
   * - Ports are picked outside the ephemeral range (see FreePorts), and a start in which a member
   *   could not bind (someone took a port between the pick and the bind) is retried with new
   *   ports. With a base directory given, the ports of the previous run are reused when they are
   *   all free, so that the connect string outlives a restart of the whole ensemble.
   *
   * - "Serving" is judged with srvr over a plain socket, never with a ZooKeeper client: a client
   *   would reconnect, retry and hide what state a member is in. Every exchange is bounded by a
   *   timeout, since a frozen member accepts connections (the kernel does) but never answers.
   *
   * - maxClientCnxns=0: ZooKeeper's default allows 60 connections from one address, and every
   *   client of this ensemble comes from 127.0.0.1.
   *
   * - A directory lock (the .lock file) keeps two ensembles from running on the same data.
   */

  private static final Logger LOG = LoggerFactory.getLogger(LocalEnsemble.class);

  static final String LOOPBACK = "127.0.0.1";

  /** How long srvr may take, connecting and reading; a frozen member takes all of it. */
  static final Duration SRVR_TIMEOUT = Duration.ofMillis(1_500);

  private static final int START_ATTEMPTS = 3;
  private static final long POLL_MILLIS = 50;
  private static final long LOG_SCAN_MILLIS = 500;
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration SIGNAL_WAIT = Duration.ofSeconds(2);
  private static final int LOG_TAIL_LINES = 25;
  private static final int MAX_NOTIFICATION_INTERVAL_MS = 1_000;
  private static final int LOG_TAIL_BYTES = 64 * 1024;

  /** What a member logs when it cannot bind a port, on Linux and macOS alike. */
  private static final String ADDRESS_IN_USE = "Address already in use";

  /** ZooKeeper's exit code when the election port cannot be bound (ExitCode, not public API). */
  private static final int UNABLE_TO_BIND_QUORUM_PORT = 14;

  private static final List<String> INHERITED_OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

  private static final DateTimeFormatter LOG_MARK_TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private final Settings settings;
  private final Path baseDir;
  private final boolean temporaryBaseDir;
  private final DirectoryLock directoryLock;
  private final List<String> javaCommand;
  private final Thread shutdownHook;
  private final Object lifecycle = new Object();

  /** Set once by {@link #startUp()}, except that a start attempt that failed is replaced. */
  private volatile List<Member> members = List.of();

  private volatile boolean closed;

  /** The builder's settings, frozen at {@link Builder#start()}. */
  private record Settings(
      int size,
      int tickTimeMs,
      int minSessionTimeoutMs,
      int maxSessionTimeoutMs,
      int initLimit,
      int syncLimit,
      List<String> jvmOptions,
      Duration startTimeout,
      List<Integer> clientPorts,
      FreePorts freePorts) {}

  /** The three ports of one member: for clients, for followers (leader only), for elections. */
  private record Ports(int client, int quorum, int election) {}

  /** Why a start attempt failed, and whether other ports might fix it. */
  private record StartFailure(boolean portClash, String message) {}

  private LocalEnsemble(
      Settings settings, Path baseDir, boolean temporaryBaseDir, DirectoryLock directoryLock) {
    this.settings = settings;
    this.baseDir = baseDir;
    this.temporaryBaseDir = temporaryBaseDir;
    this.directoryLock = directoryLock;
    this.javaCommand = javaCommand(settings, writeClassPathFile(baseDir));
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
    Map<Member, String> states = observe();
    List<Member> leaders = withState(states, "leader");
    if (leaders.size() == 1) {
      return leaders.get(0);
    }
    throw new IllegalStateException(
        (leaders.isEmpty() ? "no leader now" : leaders.size() + " members say they lead")
            + " ("
            + describe(states)
            + ")");
  }

  /**
   * Returns the members that follow now, asking as {@link #leader()} does.
   *
   * @return the followers in id order; empty without a quorum
   */
  public List<Member> followers() {
    return withState(observe(), "follower");
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
      Map<Member, String> states = observe();
      if (formsQuorum(states)) {
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IllegalStateException(
            "no quorum within "
                + describe(timeout)
                + " ("
                + describe(states)
                + ")"
                + logsOfMembersNotServing(states));
      }
      requireOpen();
      sleep(POLL_MILLIS, "waiting for a quorum");
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
    return Duration.ofMillis(settings.tickTimeMs());
  }

  /**
   * Returns the shortest session timeout the members grant; shorter requests are raised to it.
   *
   * @return the minimum session timeout
   */
  public Duration minSessionTimeout() {
    return Duration.ofMillis(settings.minSessionTimeoutMs());
  }

  /**
   * Returns the longest session timeout the members grant; longer requests are cut to it.
   *
   * @return the maximum session timeout
   */
  public Duration maxSessionTimeout() {
    return Duration.ofMillis(settings.maxSessionTimeoutMs());
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

  // ---- starting

  /** Starts every member and waits for a quorum, retrying with other ports after a clash. */
  private void startUp() {
    long deadline = System.nanoTime() + settings.startTimeout().toNanos();
    List<Ports> ports = initialPorts();
    for (int attempt = 1; ; attempt++) {
      List<Member> candidates = new ArrayList<>();
      for (int i = 0; i < settings.size(); i++) {
        candidates.add(new Member(i + 1, ports.get(i)));
      }
      members = List.copyOf(candidates);
      for (Member member : candidates) {
        writeConfig(member, ports);
      }
      for (Member member : candidates) {
        synchronized (member.lock) {
          member.launch();
        }
      }
      StartFailure failure = awaitStart(candidates, deadline);
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
      ports = freshPorts();
    }
  }

  /** Returns null once a quorum serves, or why the start failed. */
  private @Nullable StartFailure awaitStart(List<Member> candidates, long deadline) {
    long nextLogScan = System.nanoTime();
    while (true) {
      for (Member member : candidates) {
        Process process = member.process;
        if (process != null && !process.isAlive()) {
          String log = member.logSinceLaunch();
          return new StartFailure(
              process.exitValue() == UNABLE_TO_BIND_QUORUM_PORT || log.contains(ADDRESS_IN_USE),
              member
                  + " exited with code "
                  + process.exitValue()
                  + " while the ensemble started"
                  + member.logTail());
        }
      }
      if (System.nanoTime() - nextLogScan >= 0) {
        // A member that cannot bind its leader port keeps running and never serves.
        for (Member member : candidates) {
          if (member.logSinceLaunch().contains(ADDRESS_IN_USE)) {
            return new StartFailure(
                true, member + " could not bind a port" + member.logTail());
          }
        }
        nextLogScan = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOG_SCAN_MILLIS);
      }
      Map<Member, String> states = observe(candidates);
      if (formsQuorum(states)) {
        return null;
      }
      if (System.nanoTime() - deadline >= 0) {
        return new StartFailure(
            false,
            "the ensemble of "
                + candidates.size()
                + " did not form a quorum within "
                + describe(settings.startTimeout())
                + " ("
                + describe(states)
                + ")"
                + logsOfMembersNotServing(states));
      }
      if (closed) {
        return new StartFailure(false, "the ensemble was closed while it started");
      }
      sleep(POLL_MILLIS, "starting the ensemble");
    }
  }

  /**
   * The ports of the first attempt: the given client ports (after checking they are free), else
   * the previous run's ports when the base directory is kept and they are all free, else new.
   */
  private List<Ports> initialPorts() {
    for (int port : settings.clientPorts()) {
      if (port != 0 && !FreePorts.allFree(List.of(port))) {
        throw new PortInUseException(port, new BindException(ADDRESS_IN_USE));
      }
    }
    if (settings.clientPorts().isEmpty() && !temporaryBaseDir) {
      List<Ports> previous = previousPorts();
      if (previous != null) {
        List<Integer> all = new ArrayList<>();
        previous.forEach(p -> all.addAll(List.of(p.client(), p.quorum(), p.election())));
        if (FreePorts.allFree(all)) {
          return previous;
        }
        LOG.info("ports of the previous run in {} are taken; choosing new ones", baseDir);
      }
    }
    return freshPorts();
  }

  /** New quorum and election ports for all, and client ports for those not given. */
  private List<Ports> freshPorts() {
    int size = settings.size();
    List<Integer> given = settings.clientPorts();
    int clientPortsToPick =
        given.isEmpty() ? size : (int) given.stream().filter(p -> p == 0).count();
    int needed = 2 * size + clientPortsToPick;
    // Ask for a few more, since a pick may coincide with a given port.
    List<Integer> picked = new ArrayList<>(settings.freePorts().pick(needed + given.size()));
    picked.removeAll(given);
    if (picked.size() < needed) {
      throw new IllegalStateException("cannot find " + needed + " free ports on " + LOOPBACK);
    }
    int next = 0;
    List<Ports> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int client = given.isEmpty() || given.get(i) == 0 ? picked.get(next++) : given.get(i);
      ports.add(new Ports(client, picked.get(next++), picked.get(next++)));
    }
    return ports;
  }

  /** The ports in the zoo.cfg files of a previous run of this size, or null if there are none. */
  private @Nullable List<Ports> previousPorts() {
    List<Ports> ports = new ArrayList<>();
    try {
      @Nullable Properties first = null;
      for (int id = 1; id <= settings.size(); id++) {
        Path config = memberDir(id).resolve("zoo.cfg");
        if (!Files.isRegularFile(config)) {
          return null;
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(config)) {
          properties.load(in);
        }
        if (first == null) {
          first = properties;
        }
        // server.N=127.0.0.1:QUORUM:ELECTION, as writeConfig writes it.
        String[] server = first.getProperty("server." + id, "").split(":");
        ports.add(
            new Ports(
                Integer.parseInt(properties.getProperty("clientPort", "")),
                Integer.parseInt(server[1]),
                Integer.parseInt(server[2])));
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("no usable ports from a previous run in {}", baseDir, e);
      return null;
    }
    return ports;
  }

  private void writeConfig(Member member, List<Ports> all) {
    StringBuilder config = new StringBuilder();
    config.append("# Written by Roster's LocalEnsemble at every start of the ensemble.\n");
    line(config, "tickTime", settings.tickTimeMs());
    line(config, "initLimit", settings.initLimit());
    line(config, "syncLimit", settings.syncLimit());
    line(config, "dataDir", propertyValue(member.dataDir.toString()));
    line(config, "clientPort", member.ports.client());
    line(config, "clientPortAddress", LOOPBACK);
    line(config, "minSessionTimeout", settings.minSessionTimeoutMs());
    line(config, "maxSessionTimeout", settings.maxSessionTimeoutMs());
    line(config, "maxClientCnxns", 0);
    line(config, "admin.enableServer", false);
    line(config, "4lw.commands.whitelist", "srvr,stat,ruok,mntr,cons");
    line(config, "reconfigEnabled", false);
    line(config, "standaloneEnabled", false);
    line(config, "forceSync", "no");
    // Transaction log files grow in steps of this many KiB (default 64 MiB per member).
    line(config, "preAllocSize", 4_096);
    // Keeps a kept base directory from filling up with old snapshots over weeks of use.
    line(config, "autopurge.snapRetainCount", 3);
    line(config, "autopurge.purgeInterval", 1);
    for (int i = 0; i < all.size(); i++) {
      Ports ports = all.get(i);
      line(config, "server." + (i + 1), LOOPBACK + ":" + ports.quorum() + ":" + ports.election());
    }
    try {
      Files.createDirectories(member.dataDir);
      Path myid = member.dataDir.resolve("myid");
      String id = member.id + "\n";
      if (!Files.isRegularFile(myid) || !Files.readString(myid).equals(id)) {
        Files.writeString(myid, id);
      }
      Files.writeString(member.configFile, config);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the configuration of member " + member.id + " in " + member.dir, e);
    }
  }

  private static void line(StringBuilder config, String key, Object value) {
    config.append(key).append('=').append(value).append('\n');
  }

  /** Escapes what java.util.Properties, which reads zoo.cfg, would take as an escape. */
  private static String propertyValue(String value) {
    return value.replace("\\", "\\\\");
  }

  private Path memberDir(int id) {
    return baseDir.resolve("member-" + id);
  }

  // ---- observing

  /** What each member says now; see {@link #observe(List)}. */
  private Map<Member, String> observe() {
    return observe(members);
  }

  /**
   * Returns each member's state: its mode ({@code leader}, {@code follower}, ...), or {@code not
   * serving}, {@code no answer}, {@code frozen} or {@code down}. Frozen members are not asked.
   */
  private static Map<Member, String> observe(List<Member> members) {
    Map<Member, String> states = new LinkedHashMap<>();
    for (Member member : members) {
      states.put(member, member.state());
    }
    return states;
  }

  private static boolean formsQuorum(Map<Member, String> states) {
    int leaders = 0;
    for (String state : states.values()) {
      switch (state) {
        case "leader" -> leaders++;
        case "follower", "frozen", "down" -> {
          // Frozen and stopped members are not expected to answer.
        }
        default -> {
          return false;
        }
      }
    }
    return leaders == 1;
  }

  private static List<Member> withState(Map<Member, String> states, String wanted) {
    return states.entrySet().stream()
        .filter(e -> e.getValue().equals(wanted))
        .map(Map.Entry::getKey)
        .toList();
  }

  private static String describe(Map<Member, String> states) {
    return states.entrySet().stream()
        .map(e -> "member " + e.getKey().id + ": " + e.getValue())
        .collect(Collectors.joining(", "));
  }

  private static String logsOfMembersNotServing(Map<Member, String> states) {
    StringBuilder logs = new StringBuilder();
    states.forEach(
        (member, state) -> {
          if (!List.of("leader", "follower", "frozen", "down").contains(state)) {
            logs.append("\n").append(member).append(member.logTail());
          }
        });
    return logs.toString();
  }

  private static String describe(Duration duration) {
    return duration.toMillis() % 1_000 == 0
        ? duration.toSeconds() + " s"
        : duration.toMillis() + " ms";
  }

  // ---- the member processes

  private static String javaExecutable() {
    boolean windows = System.getProperty("os.name", "").startsWith("Windows");
    Path java = Path.of(System.getProperty("java.home"), "bin", windows ? "java.exe" : "java");
    if (Files.isExecutable(java)) {
      return java.toString();
    }
    return ProcessHandle.current()
        .info()
        .command()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "cannot find the java executable of this JVM: " + java));
  }

  /** The member command up to, not including, the zoo.cfg path. */
  private static List<String> javaCommand(Settings settings, Path classPathFile) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(
        List.of(
            "-Xmx96m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
            "-Dorg.slf4j.simpleLogger.logFile=System.out",
            // Warns at every start that zookeeper.maxCnxns is unset; no limit is what we want.
            "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.ServerCnxnFactory=error",
            // An election resends its vote at doubling intervals while peers are silent, up to a
            // minute by default; a member that comes up a little late would wait that long.
            "-Dzookeeper.fastleader.maxNotificationInterval=" + MAX_NOTIFICATION_INTERVAL_MS,
            // As in EmbeddedZooKeeper: empty containers go within 5 ticks, not a minute.
            "-Dznode.container.checkIntervalMs="
                + Math.min(Integer.MAX_VALUE, 5L * settings.tickTimeMs())));
    // After ours, so that the caller's options win (the last -Xmx counts).
    command.addAll(settings.jvmOptions());
    command.add("@" + classPathFile);
    command.add(QuorumPeerLauncher.class.getName());
    return List.copyOf(command);
  }

  /** Writes this JVM's class path as a java @argfile in the base directory. */
  private static Path writeClassPathFile(Path baseDir) {
    String classPath = System.getProperty("java.class.path", "");
    if (classPath.isBlank()) {
      throw new IllegalStateException(
          "this JVM has an empty class path (running on the module path?); LocalEnsemble starts"
              + " its members with this JVM's class path, which must hold ZooKeeper");
    }
    // Members run in their own directories: relative entries (java -cp target/classes, java -jar
    // roster.jar) must be made absolute, against this JVM's working directory.
    String absolute =
        Stream.of(classPath.split(File.pathSeparator, -1))
            .map(entry -> Path.of(entry).toAbsolutePath().toString())
            .collect(Collectors.joining(File.pathSeparator));
    Path file = baseDir.resolve("classpath.args");
    String quoted = "\"" + absolute.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    try {
      Files.writeString(file, "-cp\n" + quoted + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  /** The shutdown hook: kills what runs, without waiting for any lock. */
  private void killAllNow() {
    List<Process> processes = new ArrayList<>();
    for (Member member : members) {
      Process process = member.process;
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
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

  /** Sends a signal by name (STOP, CONT) with the shell's kill: Java has no API for them. */
  private static void signal(long pid, String signal) {
    Process kill;
    try {
      kill =
          new ProcessBuilder("/bin/sh", "-c", "kill -s " + signal + " " + pid)
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new UnsupportedOperationException(
          "cannot send SIG" + signal + " to " + pid + ": no /bin/sh (" + e.getMessage() + ")", e);
    }
    try {
      if (!kill.waitFor(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -s " + signal + " " + pid + " did not return");
      }
      if (kill.exitValue() != 0) {
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        throw new IllegalStateException(
            "kill -s " + signal + " " + pid + " failed: " + output.trim());
      }
    } catch (InterruptedException e) {
      kill.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + pid, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until Linux reports the process stopped, so that a frozen member is frozen when
   * {@link Member#freeze()} returns. Elsewhere the signal is trusted to arrive at once.
   */
  private static void awaitStopped(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.isReadable(stat)) {
      return;
    }
    long deadline = System.nanoTime() + SIGNAL_WAIT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      try (InputStream in = Files.newInputStream(stat)) {
        String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        // "PID (COMMAND) STATE ...": the command may contain spaces and parentheses.
        char state = text.charAt(text.lastIndexOf(')') + 2);
        if (state == 'T' || state == 't') {
          return;
        }
      } catch (IOException | RuntimeException e) {
        return;
      }
      sleep(5, "freezing a member");
    }
  }

  private static boolean waitFor(Process process, Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for pid " + process.pid(), e);
    }
  }

  private static void sleep(long millis, String what) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
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

    private volatile @Nullable Process process;
    private volatile boolean frozen;

    /** Where the log of the current process begins. Guarded by {@link #lock}. */
    private volatile long launchOffset;

    private Member(int id, Ports ports) {
      this.id = id;
      this.ports = ports;
      this.dir = memberDir(id);
      this.dataDir = dir.resolve("data");
      this.configFile = dir.resolve("zoo.cfg");
      this.logFile = dir.resolve("zookeeper.log");
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
      return LOOPBACK + ":" + ports.client();
    }

    /**
     * Returns the process id of the member's JVM: the running one, or the last one while the
     * member is down.
     *
     * @return the pid
     */
    public long pid() {
      Process current = process;
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
      Process current = process;
      return current != null && current.isAlive();
    }

    /**
     * Returns whether the member is frozen by {@link #freeze()} and not yet thawed.
     *
     * @return true while frozen
     */
    public boolean isFrozen() {
      return frozen && isRunning();
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
      return FourLetterWords.ask(ports.client(), "srvr", SRVR_TIMEOUT)
          .flatMap(FourLetterWords::mode);
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
        killNow();
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
        Process current = process;
        if (current == null || !current.isAlive()) {
          frozen = false;
          return;
        }
        current.destroy();
        if (frozen) {
          // SIGTERM waits, pending, for the process to continue.
          signal(current.pid(), "CONT");
        }
        if (!waitFor(current, STOP_GRACE)) {
          LOG.warn("{} did not stop within {}; killing it", this, STOP_GRACE);
          killNow();
        }
        frozen = false;
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
        Process current = process;
        if (current == null || !current.isAlive()) {
          throw new IllegalStateException("cannot freeze " + this + ": it is not running");
        }
        if (frozen) {
          return;
        }
        signal(current.pid(), "STOP");
        awaitStopped(current.pid());
        frozen = true;
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
        Process current = process;
        if (frozen && current != null && current.isAlive()) {
          signal(current.pid(), "CONT");
        }
        frozen = false;
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
        requireOpen();
        if (isRunning()) {
          throw new IllegalStateException(
              "cannot start " + this + ": it is running; stop or kill it first");
        }
        launch();
        awaitListening();
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
        requireOpen();
        if (isRunning()) {
          throw new IllegalStateException(
              "cannot wipe " + this + ": it is running; stop or kill it first");
        }
        Path myid = dataDir.resolve("myid");
        try (Stream<Path> paths = Files.walk(dataDir)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
            if (!path.equals(myid) && !path.equals(dataDir)) {
              Files.delete(path);
            }
          }
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
      Process current = process;
      String state = !isRunning() ? "down" : frozen ? "frozen" : "running";
      return "member "
          + id
          + " ("
          + connectString()
          + (current == null ? "" : ", pid " + current.pid())
          + ", "
          + state
          + ")";
    }

    /** Starts the process. Called with {@link #lock} held, while not running. */
    private void launch() {
      List<String> command = new ArrayList<>(javaCommand);
      command.add(configFile.toString());
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(logFile.toFile()));
      INHERITED_OPTION_VARIABLES.forEach(builder.environment()::remove);
      try {
        Files.writeString(
            logFile,
            "---- " + LocalTime.now().truncatedTo(ChronoUnit.MILLIS).format(LOG_MARK_TIME)
                + " LocalEnsemble starts member " + id + "\n",
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
        launchOffset = Files.size(logFile);
        // The pipe to its standard input stays open, unused, for as long as the member should
        // live: see QuorumPeerLauncher.
        process = builder.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start member " + id + ": " + e.getMessage(), e);
      }
      frozen = false;
      LOG.debug("started {}", this);
    }

    /** Waits until the process answers on its client port. Called with {@link #lock} held. */
    private void awaitListening() {
      long deadline = System.nanoTime() + settings.startTimeout().toNanos();
      while (true) {
        Process current = Objects.requireNonNull(process);
        if (!current.isAlive()) {
          throw new IllegalStateException(
              this + " exited with code " + current.exitValue() + " while starting" + logTail());
        }
        if (FourLetterWords.ask(ports.client(), "srvr", SRVR_TIMEOUT).isPresent()) {
          return;
        }
        if (closed) {
          killNow();
          throw new IllegalStateException(
              "the ensemble was closed while member " + id + " started");
        }
        if (System.nanoTime() - deadline >= 0) {
          String tail = logTail();
          killNow();
          throw new IllegalStateException(
              "member "
                  + id
                  + " did not answer on "
                  + connectString()
                  + " within "
                  + LocalEnsemble.describe(settings.startTimeout())
                  + "; killed it"
                  + tail);
        }
        sleep(POLL_MILLIS, "starting member " + id);
      }
    }

    /** Kills the process and waits for it. Called with {@link #lock} held. */
    private void killNow() {
      Process current = process;
      if (current != null && current.isAlive()) {
        current.destroyForcibly();
        if (!waitFor(current, KILL_WAIT)) {
          throw new IllegalStateException(this + " survived SIGKILL for " + KILL_WAIT);
        }
      }
      frozen = false;
    }

    /** For close() and failed starts: kills, and only logs what goes wrong. */
    private void killQuietly() {
      try {
        kill();
      } catch (RuntimeException e) {
        LOG.warn("could not kill {}", this, e);
      }
    }

    /** What {@code srvr} says, or why it cannot be asked; see {@link LocalEnsemble#observe()}. */
    private String state() {
      if (!isRunning()) {
        return "down";
      }
      if (frozen) {
        return "frozen";
      }
      Optional<String> answer = FourLetterWords.ask(ports.client(), "srvr", SRVR_TIMEOUT);
      if (answer.isEmpty()) {
        return "no answer";
      }
      return FourLetterWords.mode(answer.get()).orElse("not serving");
    }

    /** The log of the current process, at most its last 64 KiB. */
    private String logSinceLaunch() {
      try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ)) {
        long start = Math.max(launchOffset, channel.size() - LOG_TAIL_BYTES);
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(0, channel.size() - start));
        channel.read(buffer, start);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    /** The last lines of the current process's log, indented, for exception messages. */
    private String logTail() {
      List<String> lines = logSinceLaunch().lines().toList();
      List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
      if (tail.isEmpty()) {
        return "; its log " + logFile + " is empty";
      }
      return "; the end of its log "
          + logFile
          + ":\n    "
          + String.join("\n    ", tail);
    }
  }

  /**
   * Settings for a {@link LocalEnsemble}. Every setting has a default; {@link #start()} starts
   * the members and waits for a quorum.
   */
  public static final class Builder {
    private int size = 3;
    private int tickTimeMs = 200;
    private int minSessionTimeoutMs;
    private int maxSessionTimeoutMs;
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
      this.tickTimeMs = Durations.positiveMillis("tick time", tickTime);
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
      this.minSessionTimeoutMs = Durations.positiveMillis("minimum session timeout", minSessionTimeout);
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
      this.maxSessionTimeoutMs = Durations.positiveMillis("maximum session timeout", maxSessionTimeout);
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
      int min = minSessionTimeoutMs > 0 ? minSessionTimeoutMs : ticks(2);
      int max = maxSessionTimeoutMs > 0 ? maxSessionTimeoutMs : ticks(20);
      if (min > max) {
        throw new IllegalArgumentException(
            "session timeouts: minimum "
                + min
                + " ms > maximum "
                + max
                + " ms; expected minimum <= maximum");
      }
      if (!clientPorts.isEmpty() && clientPorts.size() != size) {
        throw new IllegalArgumentException(
            "client ports " + clientPorts + ": expected one per member, " + size);
      }
      Settings settings =
          new Settings(
              size,
              tickTimeMs,
              min,
              max,
              initLimit,
              syncLimit,
              jvmOptions,
              startTimeout,
              clientPorts,
              freePorts);
      boolean temporary = baseDir == null;
      Path dir = Directories.create(temporary ? null : Objects.requireNonNull(baseDir).toAbsolutePath().normalize(),
          "roster-ensemble-", "the ensemble's directory");
      DirectoryLock lock;
      try {
        lock = DirectoryLock.acquire(dir);
      } catch (RuntimeException e) {
        if (temporary) {
          Directories.deleteQuietly(dir, "the ensemble's temporary directory");
        }
        throw e;
      }
      LocalEnsemble ensemble;
      try {
        ensemble = new LocalEnsemble(settings, dir, temporary, lock);
      } catch (RuntimeException e) {
        lock.release();
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

    private int ticks(int count) {
      return (int) Math.min(Integer.MAX_VALUE, (long) count * tickTimeMs);
    }

    private static int positiveTicks(String name, int ticks) {
      if (ticks < 1) {
        throw new IllegalArgumentException(name + " " + ticks + ": must be at least 1 tick");
      }
      return ticks;
    }
  }

  /**
   * An exclusive lock on a base directory, held while an ensemble runs on it: a file lock
   * against other processes, and a set of the directories locked in this JVM. The set is
   * checked first because a process's POSIX locks on a file are released when it closes any
   * descriptor of that file, so this JVM must not even open the lock file it already holds.
   */
  private static final class DirectoryLock {
    private static final Set<Path> LOCKED_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock fileLock;

    private DirectoryLock(Path key, FileChannel channel, FileLock fileLock) {
      this.key = key;
      this.channel = channel;
      this.fileLock = fileLock;
    }

    static DirectoryLock acquire(Path dir) {
      Path key;
      try {
        key = dir.toRealPath();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot lock the ensemble directory " + dir, e);
      }
      if (!LOCKED_IN_THIS_JVM.add(key)) {
        throw inUse(dir, Long.toString(ProcessHandle.current().pid()));
      }
      try {
        Path file = key.resolve(".lock");
        FileChannel channel =
            FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock fileLock = channel.tryLock();
        if (fileLock == null) {
          ByteBuffer owner = ByteBuffer.allocate(32);
          channel.read(owner, 0);
          channel.close();
          throw inUse(dir, new String(owner.array(), 0, owner.position(), StandardCharsets.UTF_8));
        }
        channel.truncate(0);
        String pid = ProcessHandle.current().pid() + "\n";
        channel.write(ByteBuffer.wrap(pid.getBytes(StandardCharsets.UTF_8)));
        return new DirectoryLock(key, channel, fileLock);
      } catch (IOException e) {
        LOCKED_IN_THIS_JVM.remove(key);
        throw new UncheckedIOException("cannot lock the ensemble directory " + dir, e);
      } catch (RuntimeException e) {
        LOCKED_IN_THIS_JVM.remove(key);
        throw e;
      }
    }

    private static IllegalStateException inUse(Path dir, String owner) {
      return new IllegalStateException(
          "the ensemble directory "
              + dir
              + " is in use by another running ensemble"
              + (owner.isBlank() ? "" : " (process " + owner.trim() + ")"));
    }

    void release() {
      try {
        fileLock.release();
        channel.close();
      } catch (IOException e) {
        LOG.debug("releasing the ensemble directory lock", e);
      } finally {
        LOCKED_IN_THIS_JVM.remove(key);
      }
    }
  }
}
