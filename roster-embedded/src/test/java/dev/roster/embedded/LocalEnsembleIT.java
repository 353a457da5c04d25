package dev.roster.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real ensembles of child processes: what they serve, and what killing, freezing, stopping,
 * wiping and restarting members does.
 */
class LocalEnsembleIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /**
   * Shared by the tests that leave every member as they found it (running, thawed, in a quorum),
   * which {@link #healShared()} makes sure of, so that one test failing half-way does not fail
   * the next. Starting an ensemble takes seconds; tests that close or break one start their own.
   */
  private static LocalEnsemble shared;

  /** Everything a test starts, closed after it in reverse order. */
  private final Closer toClose = new Closer();

  @BeforeAll
  static void startShared() {
    shared = timedStart(LocalEnsemble.builder());
  }

  @AfterAll
  static void closeShared() {
    shared.close();
  }

  @BeforeEach
  void healShared() {
    for (LocalEnsemble.Member member : shared.members()) {
      member.thaw();
      if (!member.isRunning()) {
        member.start();
      }
    }
    shared.awaitQuorum(WAIT);
  }

  @AfterEach
  void closeAll() throws Exception {
    toClose.close();
  }

  @Test
  void writesThroughOneMemberAreReadThroughAnother() throws Exception {
    LocalEnsemble ensemble = shared;

    assertThat(ensemble.size()).isEqualTo(3);
    assertThat(ensemble.members()).extracting(LocalEnsemble.Member::id).containsExactly(1, 2, 3);
    assertThat(ensemble.connectString())
        .matches("127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+")
        .isEqualTo(
            String.join(
                ",",
                ensemble.member(0).connectString(),
                ensemble.member(1).connectString(),
                ensemble.member(2).connectString()));
    assertThat(ensemble.members()).allSatisfy(m -> assertThat(m.isRunning()).isTrue());
    assertThat(ensemble.members()).extracting(LocalEnsemble.Member::pid).doesNotHaveDuplicates();
    assertThat(ensemble.tickTime()).isEqualTo(Duration.ofMillis(200));
    assertThat(ensemble.minSessionTimeout()).isEqualTo(Duration.ofMillis(400));
    assertThat(ensemble.maxSessionTimeout()).isEqualTo(Duration.ofSeconds(4));

    ZooKeeper writer = connect(ensemble.member(0).connectString());
    writer.create("/greeting", "hello".getBytes(UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    ZooKeeper reader = connect(ensemble.member(2).connectString());
    // A member may apply a write a moment after the quorum acknowledged it; sync catches up.
    reader.sync("/greeting");
    await().atMost(WAIT).until(() -> reader.exists("/greeting", false) != null);
    assertThat(new String(reader.getData("/greeting", false, null), UTF_8)).isEqualTo("hello");

    List<String> modes = ensemble.members().stream().map(m -> m.mode().orElse("?")).toList();
    assertThat(modes).containsExactlyInAnyOrder("leader", "follower", "follower");
    LocalEnsemble.Member leader = ensemble.leader();
    assertThat(leader.mode()).contains("leader");
    assertThat(ensemble.followers()).hasSize(2).doesNotContain(leader);
  }

  @Test
  void membersListenOnLoopbackOnly() throws Exception {
    assumeThat(Path.of("/proc/net/tcp")).as("Linux's /proc").exists();
    LocalEnsemble ensemble = shared;
    LocalEnsemble.Member leader = ensemble.leader();

    for (LocalEnsemble.Member member : ensemble.members()) {
      List<String> listening = listeningAddresses(member.pid());
      // Clients and elections; the leader also listens for its followers. No admin server, no JMX.
      assertThat(listening)
          .as("listening sockets of %s", member)
          .hasSize(member == leader ? 3 : 2)
          .allSatisfy(address -> assertThat(address).startsWith("127.0.0.1:"))
          .contains("127.0.0.1:" + member.clientPort());
    }
  }

  @Test
  void killingTheLeaderElectsAnotherAndTheOldLeaderRejoinsAsFollower() throws Exception {
    LocalEnsemble ensemble = shared;
    ZooKeeper client = connect(ensemble.connectString());
    client.create("/before", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    LocalEnsemble.Member oldLeader = ensemble.leader();
    long oldPid = oldLeader.pid();

    long killed = System.nanoTime();
    oldLeader.kill();

    assertThat(oldLeader.isRunning()).isFalse();
    assertThat(oldLeader.mode()).isEmpty();
    assertThat(ProcessHandle.of(oldPid).filter(ProcessHandle::isAlive)).isEmpty();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .ignoreExceptions()
        .until(() -> ensemble.leader() != oldLeader);
    long elected = System.nanoTime();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .ignoreExceptionsInstanceOf(KeeperException.class)
        .until(
            () ->
                client.create("/after", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)
                    != null);
    long written = System.nanoTime();
    System.out.printf(
        "[timing] leader killed: new leader after %d ms, first write after %d ms%n",
        (elected - killed) / 1_000_000, (written - killed) / 1_000_000);

    long restarting = System.nanoTime();
    oldLeader.start();
    assertThat(oldLeader.pid()).isNotEqualTo(oldPid);
    await().atMost(WAIT).until(() -> oldLeader.mode().filter("follower"::equals).isPresent());
    System.out.printf(
        "[timing] old leader restarted and following after %d ms%n",
        (System.nanoTime() - restarting) / 1_000_000);
    ensemble.awaitQuorum(WAIT);
    ZooKeeper direct = connect(oldLeader.connectString());
    direct.sync("/after");
    await().atMost(WAIT).until(() -> direct.exists("/after", false) != null);
    assertThat(direct.exists("/before", false)).isNotNull();
  }

  @Test
  void aFrozenFollowerStopsAnsweringWhileTheOthersServe() throws Exception {
    LocalEnsemble ensemble = shared;
    LocalEnsemble.Member leader = ensemble.leader();
    LocalEnsemble.Member frozen = ensemble.followers().get(0);
    LocalEnsemble.Member other =
        ensemble.members().stream()
            .filter(m -> m != leader && m != frozen)
            .findFirst()
            .orElseThrow();

    frozen.freeze();

    assertThat(frozen.isFrozen()).isTrue();
    assertThat(frozen.isRunning()).isTrue();
    // The kernel still accepts the connection; the process never answers.
    assertThatThrownBy(() -> srvr(frozen.clientPort(), Duration.ofMillis(500)))
        .isInstanceOf(SocketTimeoutException.class);
    assertThat(frozen.mode()).isEmpty();
    ZooKeeper client = connect(leader.connectString() + "," + other.connectString());
    client.create("/while-frozen", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    assertThat(ensemble.leader()).isSameAs(leader);
    ensemble.awaitQuorum(WAIT); // frozen members are not expected to answer

    frozen.thaw();

    assertThat(frozen.isFrozen()).isFalse();
    // It answers again (if only to say it is not serving until it has caught up with the
    // leader); the first connection after the thaw may be closed unanswered.
    await().atMost(WAIT).ignoreExceptions().until(() -> !srvr(frozen.clientPort(), Duration.ofSeconds(1)).isEmpty());
    await().atMost(WAIT).until(() -> frozen.mode().filter("follower"::equals).isPresent());
    ZooKeeper direct = connect(frozen.connectString());
    direct.sync("/while-frozen");
    await().atMost(WAIT).until(() -> direct.exists("/while-frozen", false) != null);
  }

  @Test
  void aStoppedAndWipedMemberCopiesTheDataBackWhenStarted() throws Exception {
    LocalEnsemble ensemble = shared;
    ZooKeeper client = connect(ensemble.connectString());
    client.create("/wiped", "data".getBytes(UTF_8), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    LocalEnsemble.Member member = ensemble.followers().get(0);

    assertThatThrownBy(member::wipe)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is running");
    assertThatThrownBy(member::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is running");
    member.stop();
    assertThat(member.isRunning()).isFalse();
    member.wipe();

    try (Stream<Path> left = Files.list(member.dataDir())) {
      assertThat(left).extracting(p -> p.getFileName().toString()).containsExactly("myid");
    }
    member.start();
    ensemble.awaitQuorum(WAIT);
    assertThat(member.mode()).contains("follower");
    ZooKeeper direct = connect(member.connectString());
    assertThat(new String(direct.getData("/wiped", false, null), UTF_8)).isEqualTo("data");
    assertThat(member.logFile()).content().contains("LocalEnsemble starts member " + member.id());
  }

  @Test
  void closeKillsEveryMemberAndDeletesTheTemporaryDirectory() {
    LocalEnsemble ensemble = started(LocalEnsemble.builder());
    ensemble.followers().get(0).freeze(); // a frozen process must die too
    List<Long> pids = ensemble.members().stream().map(LocalEnsemble.Member::pid).toList();
    Path baseDir = ensemble.baseDir();
    assertThat(baseDir).isDirectory();

    ensemble.close();
    ensemble.close();

    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid %d", pid).isEmpty();
    }
    assertThat(baseDir).doesNotExist();
    assertThat(ensemble.members()).noneMatch(LocalEnsemble.Member::isRunning);
    assertThatThrownBy(() -> ensemble.member(0).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> ensemble.awaitQuorum(WAIT)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aKeptBaseDirectoryKeepsDataAndPortsAcrossRuns(@TempDir Path dir) throws Exception {
    String connectString;
    try (LocalEnsemble first = LocalEnsemble.builder().baseDir(dir).start()) {
      connectString = first.connectString();
      ZooKeeper client = connect(connectString);
      client.create("/kept", new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      client.close();
    }
    assertThat(dir.resolve("member-1").resolve("zoo.cfg")).exists();

    LocalEnsemble second = started(LocalEnsemble.builder().baseDir(dir));

    assertThat(second.connectString()).isEqualTo(connectString);
    assertThat(connect(second.connectString()).exists("/kept", false)).isNotNull();
    assertThatThrownBy(() -> LocalEnsemble.builder().baseDir(dir).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is in use by another running ensemble")
        .hasMessageContaining("process " + ProcessHandle.current().pid());
  }

  @Test
  void aMemberThatCannotStartFailsTheStartWithTheEndOfItsLog() {
    long started = System.nanoTime();
    assertThatThrownBy(
            () -> LocalEnsemble.builder().jvmOptions(List.of("-XX:+NoSuchOptionForRoster")).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with code 1 while the ensemble started")
        .hasMessageContaining("zookeeper.log:")
        .hasMessageContaining("Unrecognized VM option 'NoSuchOptionForRoster'");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void aPortTakenBetweenPickAndBindIsRetriedOnOtherPorts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      List<Integer> pickedFirst = new ArrayList<>();
      FreePorts takenFirst =
          count -> {
            List<Integer> ports = new ArrayList<>(FreePorts.SYSTEM.pick(count));
            if (pickedFirst.isEmpty()) {
              ports.set(0, taken.getLocalPort()); // member 1's client port
              pickedFirst.addAll(ports);
            }
            return ports;
          };

      LocalEnsemble ensemble = started(LocalEnsemble.builder().freePorts(takenFirst));

      assertThat(pickedFirst).isNotEmpty();
      assertThat(ensemble.member(0).clientPort()).isNotEqualTo(taken.getLocalPort());
      assertThat(ensemble.member(0).logFile())
          .content()
          .contains("Address already in use")
          .containsSubsequence("LocalEnsemble starts member 1", "LocalEnsemble starts member 1");
    }
  }

  @Test
  void aGivenClientPortThatIsTakenIsReportedBeforeAnythingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(
              () ->
                  LocalEnsemble.builder().clientPorts(List.of(0, taken.getLocalPort(), 0)).start())
          .isInstanceOf(PortInUseException.class)
          .hasMessage("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
    }
  }

  // ---- helpers

  private LocalEnsemble started(LocalEnsemble.Builder builder) {
    LocalEnsemble ensemble = timedStart(builder);
    toClose.add(ensemble);
    return ensemble;
  }

  private static LocalEnsemble timedStart(LocalEnsemble.Builder builder) {
    long start = System.nanoTime();
    LocalEnsemble ensemble = builder.start();
    System.out.printf(
        "[timing] ensemble of %d serving after %d ms%n",
        ensemble.size(), (System.nanoTime() - start) / 1_000_000);
    return ensemble;
  }

  private ZooKeeper connect(String connectString) throws IOException {
    ZooKeeper client = new ZooKeeper(connectString, 4_000, event -> {});
    toClose.add(client::close);
    await().atMost(WAIT).until(() -> client.getState().isConnected());
    return client;
  }

  /** Sends srvr and reads the whole answer; throws SocketTimeoutException if none comes. */
  private static String srvr(int port, Duration timeout) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1_000);
      socket.setSoTimeout((int) timeout.toMillis());
      socket.getOutputStream().write("srvr".getBytes(UTF_8));
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  /**
   * The local addresses a process listens on, as "A.B.C.D:PORT" (IPv6 ones as "[v6]:PORT"), from
   * the socket inodes among its file descriptors and the kernel's table of TCP sockets.
   */
  private static List<String> listeningAddresses(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring("socket:[".length(), target.length() - 1));
          }
        } catch (IOException e) {
          // Closed meanwhile.
        }
      }
    }
    List<String> listening = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.exists(path)) {
        continue;
      }
      List<String> lines = Files.readAllLines(path);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        // f[1] local address, f[3] state (0A = LISTEN), f[9] inode
        if (f[3].equals("0A") && inodes.contains(f[9])) {
          listening.add(address(f[1]));
        }
      }
    }
    return listening;
  }

  private static String address(String hexAddressAndPort) {
    String[] parts = hexAddressAndPort.split(":");
    int port = Integer.parseInt(parts[1], 16);
    if (parts[0].length() == 8) {
      long ip = Long.parseLong(parts[0], 16);
      // Little-endian on x86 and ARM, which is all this test runs on.
      return (ip & 0xff)
          + "."
          + ((ip >> 8) & 0xff)
          + "."
          + ((ip >> 16) & 0xff)
          + "."
          + ((ip >> 24) & 0xff)
          + ":"
          + port;
    }
    if (parts[0].startsWith("0000000000000000FFFF0000")) {
      // An IPv4 address mapped into IPv6 (::ffff:a.b.c.d), as Java's dual-stack sockets bind.
      return address(parts[0].substring(24) + ":" + parts[1]);
    }
    return "[" + parts[0] + "]:" + port;
  }
}
