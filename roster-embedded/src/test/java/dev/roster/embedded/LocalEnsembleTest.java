package dev.roster.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The builder's checks, which all happen before any process starts. */
class LocalEnsembleTest {

  @Test
  void sizeMustBeOddAndAtLeastThree() {
    for (int size : new int[] {-1, 0, 1, 2, 4, 6}) {
      assertThatThrownBy(() -> LocalEnsemble.builder().size(size))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("ensemble size " + size + ": must be odd and at least 3 (3, 5, 7, ...)");
    }
    LocalEnsemble.builder().size(3).size(5).size(7);
  }

  @Test
  void clientPortsMustMatchTheSize() {
    assertThatThrownBy(() -> LocalEnsemble.builder().size(5).clientPorts(List.of(0, 0, 0)).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("client ports [0, 0, 0]: expected one per member, 5");
    assertThatThrownBy(() -> LocalEnsemble.builder().clientPorts(List.of(2181, 2181, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("client port 2181: given twice");
    assertThatThrownBy(() -> LocalEnsemble.builder().clientPorts(List.of(70_000, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("client port 70000: must be 0 to 65535");
  }

  @Test
  void timingsMustBePositiveAndConsistent() {
    assertThatThrownBy(() -> LocalEnsemble.builder().tickTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tick time PT0S");
    assertThatThrownBy(() -> LocalEnsemble.builder().startTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("start timeout");
    assertThatThrownBy(() -> LocalEnsemble.builder().syncLimit(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sync limit 0: must be at least 1 tick");
    assertThatThrownBy(
            () ->
                LocalEnsemble.builder()
                    .minSessionTimeout(Duration.ofSeconds(5))
                    .maxSessionTimeout(Duration.ofSeconds(1))
                    .start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "session timeouts: minimum 5000 ms > maximum 1000 ms; expected minimum <= maximum");
  }

  @Test
  void modeIsReadFromTheSrvrAnswer() {
    String srvr = "Zookeeper version: 3.9.5\nZxid: 0x0\nMode: follower\nNode count: 5\n";
    assertThat(FourLetterWords.mode(srvr)).contains("follower");
    assertThat(FourLetterWords.mode(FourLetterWords.NOT_SERVING + "\n")).isEmpty();
  }

  @Test
  void freePortsAreDistinctAndOutsideTheEphemeralRange() throws IOException {
    List<Integer> ports = FreePorts.SYSTEM.pick(15);
    assertThat(ports)
        .hasSize(15)
        .doesNotHaveDuplicates()
        .allSatisfy(p -> assertThat(p).isBetween(1, 65_535));
    assertThat(FreePorts.allFree(ports)).isTrue();
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    if (Files.isReadable(range)) {
      String[] bounds = Files.readAllLines(range).get(0).trim().split("\\s+");
      int low = Integer.parseInt(bounds[0]);
      int high = Integer.parseInt(bounds[1]);
      assertThat(ports)
          .allSatisfy(
              p -> assertThat(p < low || p > high).as("%d outside %d-%d", p, low, high).isTrue());
    }
  }
}
