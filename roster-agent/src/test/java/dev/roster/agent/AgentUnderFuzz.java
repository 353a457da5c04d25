package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.Roster;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * A real agent on a real ZooKeeper, under a base path of its own, and the checks every fuzzed
 * request must pass: never a 500, every error a JSON object with an {@code error} field, and,
 * afterwards, nothing written anywhere in ZooKeeper but under the base path.
 */
final class AgentUnderFuzz implements AutoCloseable {
  static final String BASE_PATH = "/fuzz/services";
  private static final ObjectMapper JSON = new ObjectMapper();

  final Roster roster;
  final Agent agent;
  final RawHttp http;
  private final String connectString;

  AgentUnderFuzz(String connectString) {
    this.connectString = connectString;
    roster = Roster.builder().connectString(connectString).basePath(BASE_PATH).build();
    agent = Agent.builder().roster(roster).port(0).start();
    http = new RawHttp(new InetSocketAddress("127.0.0.1", agent.port()), 20_000);
  }

  /**
   * Keeps a fuzzed request from parking for minutes, which is the agent working, not failing:
   * an event stream never ends, so its GET becomes a POST (a 405); a blocking query gets
   * {@code wait=0s} first, which the agent reads before any other {@code wait}.
   */
  static RawHttp.Request bounded(RawHttp.Request r) {
    String target = r.target();
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String decoded;
    try {
      decoded = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      decoded = path;
    }
    String method = r.method();
    if (decoded.contains("events") && (method.equals("GET") || method.equals("HEAD"))) {
      method = "POST";
    }
    if (q >= 0) {
      target = path + "?wait=0s&" + target.substring(q + 1);
    }
    return new RawHttp.Request(method, target, r.headers(), r.body());
  }

  /** Sends one request and checks its answer; the answer, for tests that count. */
  RawHttp.Response check(RawHttp.Request request, String replay) {
    RawHttp.Response response;
    try {
      response = http.send(request);
    } catch (Exception e) {
      http.close();
      fail("no answer (" + e + ") to " + request.shown() + "; " + replay, e);
      return null;
    }
    assertThat(response.status()).as("status of %s; %s; body %s", request.shown(), replay, response.text())
        .isNotEqualTo(500).isBetween(200, 599);
    if (response.status() >= 400 && !request.method().equals("HEAD")) {
      JsonNode body;
      try {
        body = JSON.readTree(response.body());
      } catch (Exception e) {
        fail("error " + response.status() + " is not JSON: " + response.text() + "; to " + request.shown() + "; "
            + replay);
        return response;
      }
      assertThat(body != null && body.isObject() && body.path("error").isTextual())
          .as("error %d without an error field: %s; to %s; %s", response.status(), response.text(), request.shown(),
              replay)
          .isTrue();
      assertThat(response.text()).as("a stack trace in %s; %s", response.text(), replay)
          .doesNotContain("\tat ", "Exception:");
    }
    return response;
  }

  /** Every node in ZooKeeper, from the root. */
  List<String> wholeTree() throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(connectString, 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    try {
      assertThat(connected.await(10, TimeUnit.SECONDS)).as("connected to " + connectString).isTrue();
      List<String> all = new ArrayList<>();
      walk(zk, "/", all);
      return all;
    } finally {
      zk.close();
    }
  }

  private static void walk(ZooKeeper zk, String path, List<String> into) throws Exception {
    into.add(path);
    for (String child : zk.getChildren(path, false)) {
      walk(zk, path.equals("/") ? "/" + child : path + "/" + child, into);
    }
  }

  /** Asserts that every node is ZooKeeper's own, the base path or its parent, or under the base path. */
  void assertNothingOutsideTheBasePath() throws Exception {
    List<String> tree = wholeTree();
    assertThat(tree).allSatisfy(path -> assertThat(path.equals("/") || path.equals("/zookeeper")
        || path.startsWith("/zookeeper/") || path.equals("/fuzz") || path.equals(BASE_PATH)
        || path.startsWith(BASE_PATH + "/")).as("node %s outside %s", path, BASE_PATH).isTrue());
    assertThat(tree).as("the fuzz registered something").anyMatch(p -> p.startsWith(BASE_PATH + "/"));
  }

  @Override
  public void close() {
    http.close();
    agent.close();
    roster.close();
  }
}
