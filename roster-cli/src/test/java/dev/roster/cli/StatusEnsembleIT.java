package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.cli.InProcessCli.Result;
import dev.roster.embedded.LocalEnsemble;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code roster status} against a real ensemble of three ZooKeeper processes: the roles, and a member gone. */
class StatusEnsembleIT {

  @Test
  void showsEachMembersRoleAndAMemberThatIsDown(@TempDir Path dir) throws Exception {
    try (LocalEnsemble ensemble = LocalEnsemble.builder().size(3).tickTime(Duration.ofMillis(200)).baseDir(dir).start()) {
      ensemble.awaitQuorum(Duration.ofSeconds(30));

      Result result = InProcessCli.run("status", "--json", "--zk", ensemble.connectString());
      assertThat(result.exitCode).as(result.toString()).isZero();
      JsonNode root = new ObjectMapper().readTree(result.out);
      assertThat(root.get("connected").asBoolean()).isTrue();
      assertThat(modes(root)).containsExactlyInAnyOrder("leader", "follower", "follower");
      for (int i = 0; i < 3; i++) {
        assertThat(root.get("members").get(i).get("address").asText())
            .isEqualTo("127.0.0.1:" + ensemble.members().get(i).clientPort());
      }

      LocalEnsemble.Member follower = ensemble.followers().get(0);
      follower.kill();
      Result text = InProcessCli.run("status", "--zk", ensemble.connectString());
      assertThat(text.exitCode).as(text.toString()).isZero();
      assertThat(text.out).containsPattern("(?m)^  127\\.0\\.0\\.1:" + follower.clientPort() + "\\s+down \\(connection refused\\)")
          .containsPattern("(?m)^  127\\.0\\.0\\.1:\\d+\\s+leader\\s+3\\.")
          .contains("connected: yes, to 127.0.0.1:");
    }
  }

  private static List<String> modes(JsonNode root) {
    List<String> modes = new ArrayList<>();
    root.get("members").forEach(m -> modes.add(m.get("mode").asText()));
    return modes;
  }
}
