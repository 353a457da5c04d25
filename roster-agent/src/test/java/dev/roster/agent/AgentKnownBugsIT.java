package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests that {@link AgentHttpGeneratedIT} found answered with a 500, kept as regressions: each
 * is a 400 in the agent's JSON error form now, and the generators make their kind again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentKnownBugsIT {
  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  /**
   * Found with seed -1049530613375824062, case 26. {@code Request.extractQueryParameters} in
   * {@code AgentState.service} throws Jetty's {@code HttpException.IllegalArgumentException}
   * ("400: Bad query") on a bad percent-escape or one that is not UTF-8, and the route's
   * catch-all answered 500; the agent now answers 400 naming the query.
   */
  @Test
  void aBadEscapeInTheQueryIsA400() {
    for (String target : List.of("/v1/services/svc?%zz=", "/v1/services/svc?index=%zz", "/v1/services/svc?%",
        "/v1/services/svc?x=%ff", "/v1/services/svc?/%c0%af/x")) {
      assertBadRequest(new RawHttp.Request("GET", target, List.of(), new byte[0]));
    }
  }

  /**
   * Found with seed -2471389006235065029, case 68. Jackson refuses JSON nested deeper than its
   * {@code StreamReadConstraints} maximum (1,000) with a {@code StreamConstraintsException}
   * whose {@code getLocation()} is null, and {@code InstanceJson.read} builds its message from
   * that location: a NullPointerException, answered 500; the agent now answers 400 saying the
   * body is beyond the parser's limits.
   */
  @Test
  void aBodyNestedTooDeeplyIsA400() {
    String deep = "{\"address\":\"h\",\"port\":1,\"metadata\":" + "{\"a\":".repeat(2_000) + "1" + "}".repeat(2_001);
    assertBadRequest(new RawHttp.Request("PUT", "/v1/services/svc/instances/i", List.of(),
        deep.getBytes(StandardCharsets.UTF_8)));
    assertBadRequest(new RawHttp.Request("PUT", "/v1/services/svc/instances/i", List.of(),
        "[".repeat(10_000).getBytes(StandardCharsets.UTF_8)));
  }

  private void assertBadRequest(RawHttp.Request request) {
    try (AgentUnderFuzz under = new AgentUnderFuzz(zk.connectString())) {
      RawHttp.Response response = under.check(request, "a known bug's input");
      assertThat(response.status()).as(request.shown()).isEqualTo(400);
    }
  }
}
