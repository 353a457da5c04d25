package dev.roster.agent;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.roster.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Coverage-guided fuzzing of the agent's HTTP surface, against one real agent on one real
 * ZooKeeper for the whole run; {@link AgentUnderFuzz} says what must hold, and after the run
 * nothing may have been written outside the base path. An input is a request as text: the
 * method on the first line, the target on the second, then header lines ({@code Name: value})
 * up to an empty line, and the rest is the body. Committed inputs are under
 * {@code src/test/resources/dev/roster/agent/AgentHttpFuzzITInputs/}.
 */
class AgentHttpFuzzIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static AgentUnderFuzz under;

  private static boolean loopbackAllowed;

  @BeforeAll
  static void start() {
    under = new AgentUnderFuzz(zk.connectString());
  }

  @AfterAll
  static void stop() throws Exception {
    if (under == null) {
      return;
    }
    try {
      under.assertNothingOutsideTheBasePath();
    } finally {
      under.close();
    }
  }

  @FuzzTest(maxDuration = "5m")
  void anyRequest(byte[] data) {
    if (!loopbackAllowed) {
      // Jazzer's SSRF detector flags every connection it was not told of: the test's own client
      // to the agent and the agent's to ZooKeeper, all on loopback. Its hooks exist only once
      // the first input runs, not yet in @BeforeAll.
      BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
      loopbackAllowed = true;
    }
    int headEnd = indexOf(data, new byte[] {'\n', '\n'});
    String head = new String(data, 0, headEnd < 0 ? data.length : headEnd, StandardCharsets.UTF_8);
    byte[] body = headEnd < 0 ? new byte[0] : Arrays.copyOfRange(data, headEnd + 2, data.length);
    String[] lines = head.split("\n", -1);
    String method = lines[0].isEmpty() ? "GET" : lines[0];
    String target = lines.length > 1 && !lines[1].isEmpty() ? lines[1] : "/";
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 2; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = colon < 0 ? lines[i] : lines[i].substring(0, colon);
      String lower = name.trim().toLowerCase(java.util.Locale.ROOT);
      if (lower.equals("content-length") || lower.equals("transfer-encoding") || lower.equals("connection")
          || lower.equals("expect") || lower.equals("upgrade") || lower.equals("host")) {
        continue; // framing is the client's: a fuzzed one would desynchronise the connection, not test the agent
      }
      headers.add(new AbstractMap.SimpleEntry<>(name, colon < 0 ? "" : lines[i].substring(colon + 1).trim()));
    }
    RawHttp.Request request = AgentUnderFuzz.bounded(new RawHttp.Request(method, target, headers, body));
    under.check(request, "input " + request.shown());
  }

  private static int indexOf(byte[] data, byte[] what) {
    outer:
    for (int i = 0; i + what.length <= data.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (data[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
