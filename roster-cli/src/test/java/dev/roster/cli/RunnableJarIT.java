package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code target/roster.jar} as a real process, as the {@code ./roster} launcher does: the
 * shaded jar starts, its logging stays quiet, exit codes reach the shell, and a signal ends a
 * registration cleanly. Runs after {@code package}, which builds the jar.
 */
class RunnableJarIT {
  private static final Path JAR = Path.of("target", "roster.jar");
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Path out;
  private Path err;

  @BeforeEach
  void outputFiles() {
    out = dir.resolve("stdout");
    err = dir.resolve("stderr");
  }

  @Test
  void printsItsVersion() throws Exception {
    Process process = start("--version");
    assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(stdout(process)).startsWith("roster 0.");
  }

  @Test
  void unreachableZooKeeperIsOneQuietLine() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      closed = socket.getLocalPort();
    }
    Process process = start("ls", "--zk", "127.0.0.1:" + closed, "--timeout", "1s");
    assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(4);
    assertThat(stdout(process)).isEmpty();
    // Only our line: ZooKeeper's and Curator's connection-failure logging is kept out.
    assertThat(stderr(process).lines()).singleElement().asString()
        .startsWith("roster ls: could not connect to ZooKeeper at 127.0.0.1:" + closed);
  }

  @Test
  void aSignalEndsARegistrationCleanlyWithExitCodeZero() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(200)).start();
         Roster roster = Roster.builder().connectString(zk.connectString()).build();
         ServiceView view = roster.watch("payments")) {
      Process process = start("register", "payments", "--address", "127.0.0.1", "--port", "8081", "--id", "p1",
          "--zk", zk.connectString());
      try {
        await().atMost(WAIT).until(() -> view.instances().size() == 1);
        // The node shows before register() returns in the command (it still awaits its watch):
        // a signal then interrupts the registration itself, exit 130. Signalled once it is held.
        await().atMost(WAIT).until(() -> stdout(process).contains("registered payments/p1"));
        process.destroy(); // SIGTERM, which the JVM handles as it handles Ctrl-C
        assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(stderr(process)).isZero();
        assertThat(stdout(process)).startsWith("registered payments/p1 at 127.0.0.1:8081")
            .endsWith("deregistered payments/p1\n");
        // Deregistered, not left to expire with the session: gone well before its 10 s timeout.
        await().atMost(Duration.ofSeconds(3)).until(() -> view.instances().isEmpty());
      } finally {
        process.destroyForcibly();
      }
    }
  }

  @Test
  void statusAndDeregisterAsAScriptSeesThem() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(200)).start();
         Roster roster = Roster.builder().connectString(zk.connectString()).build()) {
      roster.register(ServiceInstance.builder("payments").id("p1").address("127.0.0.1").port(8081).build());

      Process status = start("status", "--zk", zk.connectString());
      assertThat(status.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      assertThat(status.exitValue()).as(stderr(status)).isZero();
      assertThat(stdout(status)).startsWith("zookeeper: " + zk.connectString() + "\nconnected: yes, to ")
          .contains("  " + zk.connectString() + "  standalone  ")
          .endsWith("registry: 1 service, 1 instance under /services\n");
      assertThat(stderr(status)).isEmpty();

      // p1 is held by the live session above: refused (1), then forced (0); a missing id is 3.
      assertThat(exitOf("deregister", "payments", "p1", "--zk", zk.connectString())).isEqualTo(1);
      assertThat(stderr(null)).startsWith("roster deregister: refused to deregister payments/p1: its node "
          + "/services/payments/p1 is ephemeral, owned by session " + Text.session(roster.sessionId()));
      assertThat(exitOf("deregister", "payments", "p1", "--force", "--zk", zk.connectString())).isZero();
      assertThat(stdout(null)).startsWith("deregistered payments/p1: deleted /services/payments/p1, ephemeral");
      assertThat(exitOf("deregister", "payments", "p9", "--zk", zk.connectString())).isEqualTo(3);
      assertThat(exitOf("deregister", "payments", "a/b", "--zk", zk.connectString())).isEqualTo(2);
    }
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      closed = socket.getLocalPort();
    }
    assertThat(exitOf("status", "--zk", "127.0.0.1:" + closed, "--timeout", "1s")).isEqualTo(4);
    assertThat(stdout(null)).contains("connected: no", "down (connection refused)");
    assertThat(stderr(null).lines()).singleElement().asString()
        .startsWith("roster status: could not connect to ZooKeeper at 127.0.0.1:" + closed);
  }

  /** Runs the jar to its end and gives its exit code; its output is then in the files. */
  private int exitOf(String... args) throws Exception {
    Process process = start(args);
    try {
      assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).as("roster " + String.join(" ", args)).isTrue();
      return process.exitValue();
    } finally {
      process.destroyForcibly();
    }
  }

  /** Starts the jar with its output going to files, which outlive the process and its pipes. */
  private Process start(String... args) throws IOException {
    assumeThat(JAR).as("the runnable jar, built by `mvn package`").exists();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
  }

  private String stdout(Process process) {
    return read(out);
  }

  private String stderr(Process process) {
    return read(err);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
