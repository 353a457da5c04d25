package dev.roster.agent;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * HTTP requests as a careless or hostile client could send them: every method, paths with
 * traversal, encoded separators and bad escapes, query strings with bad indexes and waits,
 * spoofed and oversized headers, and bodies that are broken, nested, huge or of the wrong
 * types. Nothing it makes can park on purpose: a {@code wait} it writes is tiny or invalid, and
 * it never opens an event stream.
 */
final class HttpRequestGenerator {
  private static final String[] METHODS = {"POST", "PATCH", "OPTIONS", "TRACE", "get", "G-E-T", "PROPFIND",
      "M".repeat(300), "PUT\u0000", "\u00e9"};
  private static final String[] NAMES = {"svc-1", "svc-2", "svc-3", "payments", "a.b:c-d_e", ".", "..", "%2e%2e",
      "%2E", "%2F", "a%2Fb", "%00", "%zz", "%", "%c0%af", "%e4%b8%ad", "%ed%a0%80", "%ff", "a;b", "*", "%20", "~",
      "zookeeper", "x".repeat(255), "x".repeat(256), "%5c", "..%2f..%2fzookeeper", "%25", "svc?", "\u4e2d", "a b"};
  private static final String[] PATHS = {"/", "/health", "/metrics", "/dashboard/index.html", "/dashboard/app.js",
      "/dashboard/../../etc/passwd", "/dashboard/%2e%2e/secret", "/dashboard/", "//v1//services", "/v1/services/",
      "/v1/services/../../zookeeper", "/../..", "/v1", "/v2/services", "*", "http://127.0.0.1/v1/services",
      "/v1/services/svc-1/instances", "/v1/services/svc-1/instances/i/heartbeat/x", "/%", "/v1/services/%"};
  private static final String[] KEYS = {"index", "wait", "dc", "near", "filter", "x", "", "%zz", "index%00"};
  private static final String[] INDEXES = {"0", "1", "-1", "abc", "", "9223372036854775807", "9223372036854775808",
      "1e3", " 1", "0x10", "%31"};
  /** Waits that answer at once: tiny, or refused. Nothing here parks a request for long. */
  private static final String[] WAITS = {"0s", "1ms", "20ms", "abc", "-1s", "25h", "1d", "", "5", "999999999h",
      "1ms1ms", "0.5s", "%30s"};
  private static final String[] HEADER_NAMES = {"Content-Type", "Accept", "Authorization", "X-Forwarded-For",
      "User-Agent", "Last-Event-ID", "Cookie", "Origin", "X-Roster-Index", "Range", "If-None-Match", "Accept-Encoding",
      "X-Real-IP", "Forwarded", "Bad Header", "Bad:Colon", "\u00e9", ""};
  private static final String[] HEADER_VALUES = {"application/json", "text/plain", "Bearer x", "Bearer ",
      "Nacos-Server", "127.0.0.1", "-1", "abc", "gzip, br", "bytes=0-1", "*", "", "\u00e9\u4e2d", "for=\"[::1]\"",
      "99999999999999999999"};

  private HttpRequestGenerator() {}

  static RawHttp.Request next(SplittableRandom rng) {
    String method = method(rng);
    String target = path(rng) + (rng.nextInt(3) == 0 ? "?" + query(rng) : "");
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    int n = rng.nextInt(4) == 0 ? 0 : rng.nextInt(6);
    for (int i = 0; i < n; i++) {
      String value = rng.nextInt(40) == 0 ? "v".repeat(1 << (10 + rng.nextInt(6))) : pick(rng, HEADER_VALUES);
      headers.add(new AbstractMap.SimpleEntry<>(pick(rng, HEADER_NAMES), value));
    }
    byte[] body = method.equals("PUT") || rng.nextInt(10) == 0 ? body(rng) : new byte[0];
    return new RawHttp.Request(method, target, headers, body);
  }

  private static String method(SplittableRandom rng) {
    int r = rng.nextInt(100);
    return r < 40 ? "GET" : r < 65 ? "PUT" : r < 75 ? "DELETE" : r < 80 ? "HEAD" : pick(rng, METHODS);
  }

  private static String path(SplittableRandom rng) {
    if (rng.nextInt(5) == 0) {
      String p = pick(rng, PATHS);
      return rng.nextInt(50) == 0 ? p + "/x".repeat(1 << (10 + rng.nextInt(4))) : p;
    }
    StringBuilder p = new StringBuilder("/v1/services");
    int depth = rng.nextInt(6);
    for (int i = 0; i < depth; i++) {
      String segment = switch (i) {
        case 1 -> rng.nextInt(5) == 0 ? pick(rng, NAMES) : "instances";
        case 3 -> rng.nextInt(5) == 0 ? pick(rng, NAMES) : "heartbeat";
        default -> rng.nextInt(3) == 0 ? pick(rng, NAMES) : "svc-" + rng.nextInt(4);
      };
      p.append('/').append(segment.equals("events") ? "event" : segment);
    }
    return p.toString();
  }

  private static String query(SplittableRandom rng) {
    StringBuilder q = new StringBuilder();
    if (rng.nextBoolean()) {
      // The agent reads the first index and the first wait: both are chosen here, first.
      q.append("index=").append(pick(rng, INDEXES)).append("&wait=").append(pick(rng, WAITS));
    }
    int n = rng.nextInt(3);
    for (int i = 0; i < n; i++) {
      q.append(q.length() > 0 ? "&" : "").append(pick(rng, KEYS)).append('=').append(pick(rng, WAITS));
    }
    if (rng.nextInt(10) == 0) {
      q.append(pick(rng, new String[] {"%", "&&&", "=", "a==b", "%zz=%zz", "#frag", "index"}));
    }
    return q.toString();
  }


  private static final String[] VALUES = {"null", "true", "0", "-1", "1", "80", "65535", "65536", "2147483648",
      "1e308", "1.5", "\"\"", "\"10.0.0.1\"", "\"h/../x\"", "\"a b\"", "\"\\u0000\"", "\"\\ud800\"", "\"UP\"",
      "\"DRAINING\"", "\"bogus\"", "\"15s\"", "\"0s\"", "\"-1s\"", "\"999999999h\"", "[]", "{}", "{\"k\":\"v\"}",
      "{\"zone\":\"z\"}", "{\"k\":1}", "[1,2]"};
  private static final String[] FIELDS = {"address", "port", "sslPort", "zone", "weight", "status", "metadata", "ttl",
      "id", "name", "service", "@class", "uriSpec", "payload"};

  private static byte[] body(SplittableRandom rng) {
    switch (rng.nextInt(12)) {
      case 0:
        return new byte[0];
      case 1: {
        byte[] b = new byte[1 + rng.nextInt(200)];
        for (int i = 0; i < b.length; i++) {
          b[i] = (byte) rng.nextInt(256);
        }
        return b;
      }
      case 2:
        return ("[".repeat(rng.nextBoolean() ? 10_000 : 1_001) + "]").getBytes(UTF_8);
      case 3:
        return ("{\"address\":\"h\",\"port\":1,\"metadata\":{\"k\":\"" + "x".repeat(70_000) + "\"}}").getBytes(UTF_8);
      case 4: {
        byte[] whole = validBody(rng).getBytes(UTF_8);
        return java.util.Arrays.copyOf(whole, rng.nextInt(whole.length));
      }
      case 5:
        int deep = 2_000;
        return ("{\"address\":\"h\",\"port\":1,\"metadata\":" + "{\"a\":".repeat(deep) + "1" + "}".repeat(deep + 1))
            .getBytes(UTF_8);
      case 6:
      case 7: {
        StringBuilder o = new StringBuilder("{");
        int n = rng.nextInt(6);
        for (int i = 0; i < n; i++) {
          o.append(i > 0 ? "," : "").append('"').append(pick(rng, FIELDS)).append("\":").append(pick(rng, VALUES));
        }
        return o.append('}').toString().getBytes(UTF_8);
      }
      default:
        return validBody(rng).getBytes(UTF_8);
    }
  }

  /** A registration the agent takes: so that writes really happen among the refusals. */
  private static String validBody(SplittableRandom rng) {
    return "{\"address\":\"10.0.0." + rng.nextInt(256) + "\",\"port\":" + (1 + rng.nextInt(65535))
        + ",\"zone\":\"z" + rng.nextInt(3) + "\",\"weight\":" + rng.nextInt(1000)
        + ",\"metadata\":{\"version\":\"1." + rng.nextInt(9) + "\"}" + (rng.nextBoolean() ? ",\"ttl\":\"30s\"" : "")
        + "}";
  }

  private static String pick(SplittableRandom rng, String[] from) {
    return from[rng.nextInt(from.length)];
  }
}
