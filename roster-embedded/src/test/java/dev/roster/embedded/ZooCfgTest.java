package dev.roster.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ZooCfg writes, it reads back; and the state words the ensemble's messages print. */
class ZooCfgTest {
  private static final EnsembleSettings SETTINGS =
      new EnsembleSettings(
          3,
          Timings.ofTick(200).resolve(),
          20,
          10,
          List.of(),
          Duration.ofSeconds(60),
          List.of(),
          FreePorts.SYSTEM);

  @Test
  void thePortsWrittenAreThePortsReadBack(@TempDir Path dir) throws Exception {
    List<Ports> ports =
        List.of(new Ports(21001, 21002, 21003), new Ports(21011, 21012, 21013),
            new Ports(21021, 21022, 21023));
    List<Path> files = List.of(dir.resolve("1.cfg"), dir.resolve("2.cfg"), dir.resolve("3.cfg"));
    for (int id = 1; id <= 3; id++) {
      ZooCfg.write(SETTINGS, id, files.get(id - 1), dir.resolve("data-" + id), ports);
    }

    assertThat(ZooCfg.readPorts(files)).isEqualTo(ports);
    assertThat(dir.resolve("data-2").resolve("myid")).hasContent("2");
    assertThat(Files.readAllLines(files.get(0)))
        .contains("tickTime=200", "minSessionTimeout=400", "maxSessionTimeout=4000",
            "clientPort=21001", "server.3=127.0.0.1:21022:21023");
    assertThat(ZooCfg.readPorts(List.of(dir.resolve("missing.cfg")))).isNull();
  }

  @Test
  void timingsFillInTheirDefaultsFromTheTick() {
    Timings timings = Timings.ofTick(100).resolve();
    assertThat(timings).isEqualTo(new Timings(100, 200, 2_000, 500));
    assertThat(Timings.ofTick(100).withMaxSessionTimeout(Duration.ofSeconds(1)).resolve())
        .isEqualTo(new Timings(100, 200, 1_000, 500));
  }

  @Test
  void theStateOfAMemberComesFromItsSrvrAnswer() {
    assertThat(MemberState.ofSrvr(Optional.of("Mode: leader\n")))
        .isEqualTo(MemberState.LEADER);
    assertThat(MemberState.ofSrvr(Optional.of(FourLetterWords.NOT_SERVING + "\n")))
        .isEqualTo(MemberState.NOT_SERVING);
    assertThat(MemberState.ofSrvr(Optional.empty())).isEqualTo(MemberState.NO_ANSWER);
    assertThat(MemberState.NO_ANSWER.word()).isEqualTo("no answer");
    assertThat(MemberState.DOWN.word()).isEqualTo("down");
  }
}
