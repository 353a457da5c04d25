package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.embedded.EmbeddedZooKeeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A registering process frozen (SIGSTOP) for longer than its session: on thaw it must learn
 * that its session expired before it claims to be registered again, and then re-register.
 */
class FrozenRegistrantIT {
  private static final Duration SESSION = Duration.ofSeconds(2);

  @Test
  void aFrozenRegistrantLearnsOfTheExpiryBeforeClaimingAndReRegisters() throws Exception {
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(100)).start()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp",
          System.getProperty("java.class.path"), RegistrantProcess.class.getName(),
          zk.connectString(), "frozen", "r1", Long.toString(SESSION.toMillis()))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      List<String> lines = new CopyOnWriteArrayList<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            lines.add(line);
          }
        } catch (java.io.IOException e) {
          // the child ended
        }
      }, "registrant-output");
      reader.setDaemon(true);
      reader.start();
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.contains(" CLAIM true ")));
        String oldSession = lines.stream().filter(l -> l.contains(" READY ")).findFirst().orElseThrow().split(" ")[2];

        signal("STOP", child.pid());
        long frozenAt = System.currentTimeMillis();
        // The server expires the frozen process's session and deletes its node.
        await().atMost(SESSION.plusSeconds(5)).until(() -> Truth.read(zk.connectString(), "frozen").isEmpty());
        long thawAt = System.currentTimeMillis();
        signal("CONT", child.pid());

        await().atMost(Duration.ofSeconds(15)).until(() -> {
          Map<String, Truth.Node> truth = Truth.read(zk.connectString(), "frozen");
          return truth.containsKey("r1") && !Long.toHexString(truth.get("r1").owner()).equals(oldSession);
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l ->
            l.contains(" CLAIM true ") && !l.endsWith(" " + oldSession)));
        // After the thaw, no line claims registration on the old, expired session.
        List<String> afterThaw = new ArrayList<>();
        for (String l : lines) {
          long at = Long.parseLong(l.substring(0, l.indexOf(' ')));
          if (at >= thawAt) {
            afterThaw.add(l);
          }
        }
        assertThat(afterThaw).as("claims after the thaw (frozen at %d, thawed at %d)", frozenAt, thawAt)
            .noneMatch(l -> l.contains(" CLAIM true " + oldSession));
        assertThat(afterThaw).anyMatch(l -> l.contains(" SESSION " + oldSession + " "));
      } finally {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }
}
