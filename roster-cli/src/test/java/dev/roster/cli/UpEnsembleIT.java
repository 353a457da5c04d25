package dev.roster.cli;

import dev.roster.cli.InProcessCli.Background;
import dev.roster.cli.InProcessCli.Result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code roster up --ensemble}: in-process as {@link CliIT} runs commands, and as the runnable
 * jar, whose members must find everything ZooKeeper needs on the jar's class path and must not
 * outlive it, however it ends.
 */
class UpEnsembleIT {
  /** Three JVMs start and elect a leader; on a busy machine with two cores that takes a while. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static final Pattern CONNECT_STRING =
      Pattern.compile("ZooKeeper  (127\\.0\\.0\\.1:\\d+(?:,127\\.0\\.0\\.1:\\d+){2})");
  private static final Pattern MEMBER_ROW =
      Pattern.compile("(?m)^  (\\d)\\s+(\\d+)\\s+(\\d+)\\s+(leader|follower)$");
  private static final Path JAR = Path.of("target", "roster.jar");

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  @Test
  void servesAnEnsembleThatSurvivesTheLeadersDeathUntilStopped(@TempDir Path dataDir) {
    Background up = start(
        "up", "--ensemble", "3", "--data-dir", dataDir.toString(), "--tick-time", "200ms", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0");
    Banner banner = Banner.await(up.out);
    assertThat(banner.pids).hasSize(3).allSatisfy(pid -> assertThat(alive(pid)).isTrue());
    assertThat(banner.modes).containsExactlyInAnyOrder("leader", "follower", "follower");
    long leaderPid = banner.pids.get(banner.modes.indexOf("leader"));
    assertThat(up.out.toString())
        .contains("(data in " + dataDir.toAbsolutePath() + ")")
        .contains("roster watch payments --zk " + banner.connectString)
        .contains("kill -9 " + leaderPid + "   # the leader");

    Result second = InProcessCli.run("up", "--ensemble", "3", "--data-dir", dataDir.toString(), "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0");
    assertThat(second.exitCode).isEqualTo(1);
    assertThat(second.err).startsWith("roster up: the ensemble directory ")
        .contains("is in use by another running ensemble");
    assertThat(second.err.lines()).hasSize(1);

    try (Roster roster = Roster.builder().connectString(banner.connectString).connectionTimeout(WAIT).build();
         ServiceView view = roster.watch("payments")) {
      roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());
      await().atMost(WAIT).until(() -> view.instances().size() == 1);

      ProcessHandle.of(leaderPid).orElseThrow().destroyForcibly();

      int leaderId = banner.modes.indexOf("leader") + 1;
      // A follower may be seen between the two, as "not serving", while the election runs.
      Pattern newLeader = Pattern.compile("member [^" + leaderId + "] \\(pid \\d+\\): [a-z ]+ -> leader");
      await().atMost(WAIT).untilAsserted(() -> assertThat(up.out.toString())
          .contains("member " + leaderId + " (pid " + leaderPid + "): leader -> down")
          .containsPattern(newLeader));
      roster.register(ServiceInstance.builder("payments").id("p2").address("127.0.0.1").port(8082).build());
      await().atMost(WAIT).until(() -> view.instances().size() == 2);
      assertThat(roster.services()).containsExactly("payments");
    }

    assertThat(up.stop()).isZero();
    assertThat(up.out.toString()).endsWith("stopping...\nstopped\n");
    assertThat(up.err.toString()).isEmpty();
    assertThat(banner.pids).noneMatch(UpEnsembleIT::alive);

    // The same data directory again: the same ports, so the same connect string.
    Background again = start(
        "up", "--ensemble", "3", "--data-dir", dataDir.toString(), "--tick-time", "200ms", "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0");
    assertThat(Banner.await(again.out).connectString).isEqualTo(banner.connectString);
    assertThat(again.stop()).isZero();
  }

  @Test
  void ensembleAndZkPortAreMutuallyExclusive() {
    Result result = InProcessCli.run("up", "--ensemble", "3", "--zk-port", "2182");
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.out).isEmpty();
    assertThat(result.err.lines().findFirst()).hasValue(
        "Error: --zk-port=PORT, --ensemble=N are mutually exclusive (specify only one)");
    assertThat(result.err).contains("Usage: roster up");
  }

  @Test
  void anEvenEnsembleIsAUsageError(@TempDir Path dataDir) {
    Result result = InProcessCli.run("up", "--ensemble", "4", "--data-dir", dataDir.toString());
    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.err).isEqualTo("roster up: ensemble size 4: must be odd and at least 3 (3, 5, 7, ...)\n");
    try (var files = Files.list(dataDir)) {
      assertThat(files).isEmpty();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theRunnableJarRunsAnEnsembleWhoseMembersEndWithItEvenOnKill9(@TempDir Path dir) throws Exception {
    assumeThat(JAR).as("the runnable jar, built by `mvn package`").exists();
    for (boolean kill9 : new boolean[] {false, true}) {
      Path out = dir.resolve("stdout-" + kill9);
      Process up = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString(),
              "up", "--ensemble", "3", "--data-dir", dir.resolve("data").toString(), "--tick-time", "200ms",
              "--http", "127.0.0.1:0", "--dns", "127.0.0.1:0")
          .redirectOutput(out.toFile())
          .redirectError(dir.resolve("stderr-" + kill9).toFile())
          .start();
      cleanup.add(up::destroyForcibly);
      StringBuilder text = new StringBuilder();
      await().atMost(WAIT).untilAsserted(() -> {
        text.setLength(0);
        text.append(Files.readString(out, StandardCharsets.UTF_8));
        assertThat(text).contains("Changes of the members show here");
      });
      Banner banner = Banner.parse(text.toString());
      assertThat(banner.pids).hasSize(3).allSatisfy(pid -> assertThat(alive(pid)).isTrue());
      assertThat(ProcessHandle.of(banner.pids.get(0)).flatMap(p -> p.parent()).map(ProcessHandle::pid))
          .contains(up.pid());

      if (kill9) {
        // No shutdown hook runs: the members notice on their own that their parent is gone.
        up.destroyForcibly();
        assertThat(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      } else {
        up.destroy(); // SIGTERM, handled as Ctrl-C is
        assertThat(up.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(up.exitValue()).as(Files.readString(dir.resolve("stderr-" + kill9))).isZero();
        assertThat(Files.readString(out)).endsWith("stopped\n");
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(
          () -> assertThat(banner.pids).noneMatch(UpEnsembleIT::alive));
    }
  }

  // ---- helpers

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** What the banner of {@code up --ensemble} tells: the connect string, and each member's pid and mode. */
  private record Banner(String connectString, List<Long> pids, List<String> modes) {
    static Banner await(StringWriter out) {
      org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(
          () -> assertThat(out.toString()).contains("Changes of the members show here"));
      return parse(out.toString());
    }

    static Banner parse(String text) {
      Matcher connect = CONNECT_STRING.matcher(text);
      assertThat(connect.find()).as(text).isTrue();
      List<Long> pids = new ArrayList<>();
      List<String> modes = new ArrayList<>();
      Matcher row = MEMBER_ROW.matcher(text);
      while (row.find()) {
        assertThat(Integer.parseInt(row.group(1))).isEqualTo(pids.size() + 1);
        pids.add(Long.parseLong(row.group(3)));
        modes.add(row.group(4));
      }
      return new Banner(connect.group(1), pids, modes);
    }
  }

  private Background start(String... args) {
    Background background = new Background(WAIT, args);
    cleanup.add(background);
    return background;
  }
}
