package dev.roster.codec;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Node data as another tool, a bug or an attacker could leave it: random bytes, truncated and
 * mutated instances, JSON nested past any parser's limit, huge strings and numbers, values of
 * the wrong type, {@code "@class"} naming gadget classes, and invalid UTF-8.
 */
public final class NodeDataGenerator {
  /** Valid nodes of every format the codecs read, as starting points to break. */
  private static final List<String> TEMPLATES = List.of(
      "{\"name\":\"svc\",\"id\":\"i-1\",\"address\":\"10.0.0.5\",\"port\":8080,\"sslPort\":null,"
          + "\"payload\":{\"@class\":\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\",\"id\":\"i-1\","
          + "\"name\":\"svc\",\"metadata\":{\"version\":\"1.4.2\",\"zone\":\"eu-1a\",\"weight\":\"70\","
          + "\"instance_status\":\"UP\"}},\"registrationTimeUTC\":1700000000000,\"serviceType\":\"DYNAMIC\","
          + "\"uriSpec\":{\"parts\":[{\"value\":\"scheme\",\"variable\":true},{\"value\":\"://\",\"variable\":false}]}}",
      "{\"name\":\"svc\",\"id\":\"i-2\",\"address\":\"::1\",\"port\":\"9000\",\"payload\":{\"zone\":\"z\",\"weight\":5,"
          + "\"status\":\"DRAINING\",\"metadata\":{\"k\":\"v\"}},\"registrationTimeUTC\":1,\"enabled\":false}",
      "{\"serviceEndpoint\":{\"host\":\"10.0.0.7\",\"port\":31000},\"additionalEndpoints\":{\"admin\":"
          + "{\"host\":\"10.0.0.7\",\"port\":31001}},\"status\":\"ALIVE\",\"shard\":3}",
      "{\"host\":\"10.0.0.9\",\"port\":8443,\"name\":\"i-0abc\",\"weight\":3,\"labels\":{\"zone\":\"us-1b\",\"az\":1}}",
      "{\"address\":\"h\",\"payload\":[\"java.lang.String\",\"hello\"]}",
      "127.0.0.1:9001",
      "[2001:db8::7]:65535\n");

  private static final List<String> FIELDS = List.of("name", "id", "address", "port", "sslPort", "payload",
      "registrationTimeUTC", "serviceType", "uriSpec", "enabled", "serviceEndpoint", "host", "status", "shard",
      "additionalEndpoints", "labels", "weight", "zone", "metadata", "@class", "@type", "parts", "value", "variable");

  private NodeDataGenerator() {}

  /** One node's data; {@code null} now and then, as ZooKeeper gives for a node created without data. */
  public static byte[] next(SplittableRandom rng) {
    return switch (rng.nextInt(10)) {
      case 0 -> randomBytes(rng, rng.nextInt(4) == 0 ? 0 : 1 + rng.nextInt(600));
      case 1 -> truncated(rng);
      case 2 -> deeplyNested(rng);
      case 3 -> huge(rng);
      case 4 -> gadget(rng);
      case 5 -> invalidUtf8(rng);
      case 6 -> mutated(rng);
      case 7 -> wrongTypes(rng);
      case 8 -> rng.nextInt(20) == 0 ? null : randomJson(rng).getBytes(UTF_8);
      default -> template(rng).getBytes(UTF_8);
    };
  }

  /** A valid node of some format, to go among the bad ones. */
  public static String template(SplittableRandom rng) {
    return TEMPLATES.get(rng.nextInt(TEMPLATES.size()));
  }

  static byte[] randomBytes(SplittableRandom rng, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) rng.nextInt(256);
    }
    if (length > 0 && rng.nextBoolean()) {
      b[0] = (byte) '{'; // past the detecting codec's first look, into the JSON parser
    }
    return b;
  }

  private static byte[] truncated(SplittableRandom rng) {
    byte[] whole = template(rng).getBytes(UTF_8);
    byte[] cut = new byte[rng.nextInt(whole.length)];
    System.arraycopy(whole, 0, cut, 0, cut.length);
    return cut;
  }

  /** Nesting around and past Jackson's limit (1,000 by default in 2.21), up to 100,000 levels. */
  private static byte[] deeplyNested(SplittableRandom rng) {
    int[] depths = {10, 499, 500, 999, 1000, 1001, 2000, 10_000, 100_000};
    int depth = depths[rng.nextInt(depths.length)];
    boolean arrays = rng.nextBoolean();
    boolean closed = rng.nextBoolean();
    StringBuilder inner = new StringBuilder(depth * 6);
    for (int i = 0; i < depth; i++) {
      inner.append(arrays ? "[" : "{\"a\":");
    }
    inner.append("1");
    if (closed) {
      for (int i = 0; i < depth; i++) {
        inner.append(arrays ? "]" : "}");
      }
    }
    String where = switch (rng.nextInt(4)) {
      case 0 -> "%s";
      case 1 -> "{\"address\":\"h\",\"port\":1,\"payload\":{\"custom\":%s}}";
      case 2 -> "{\"address\":\"h\",\"port\":1,\"payload\":{\"metadata\":{\"k\":%s}}}";
      default -> "{\"host\":\"h\",\"port\":1,\"labels\":{\"deep\":%s}}";
    };
    return where.replace("%s", inner).getBytes(UTF_8);
  }

  /** Strings and numbers of up to a few MiB, in every field. */
  private static byte[] huge(SplittableRandom rng) {
    int length = rng.nextInt(50) == 0 ? 1 << (20 + rng.nextInt(3)) : 1 + rng.nextInt(70_000);
    char c = "a9\u00e9\u4e2d\"\\".charAt(rng.nextInt(6));
    String filler = c == '"' || c == '\\' ? ("\\" + c).repeat(length / 2) : String.valueOf(c).repeat(length);
    String field = FIELDS.get(rng.nextInt(FIELDS.size()));
    return switch (rng.nextInt(4)) {
      case 0 -> ("{\"address\":\"h\",\"port\":1,\"" + field + "\":\"" + filler + "\"}").getBytes(UTF_8);
      case 1 -> ("{\"address\":\"h\",\"port\":1,\"payload\":{\"metadata\":{\"" + filler + "\":\"v\"}}}").getBytes(UTF_8);
      case 2 -> ("{\"address\":\"h\",\"" + field + "\":" + "9".repeat(Math.min(length, 100_000)) + "}").getBytes(UTF_8);
      default -> ("{\"host\":\"" + filler + "\",\"port\":1}").getBytes(UTF_8);
    };
  }

  /** A gadget class named wherever a type could be read from data. */
  private static byte[] gadget(SplittableRandom rng) {
    String cls = CodecSafety.GADGETS.get(rng.nextInt(CodecSafety.GADGETS.size()));
    String key = List.of("@class", "@type", "$type", "javaClass", "@c", "type").get(rng.nextInt(6));
    String props = "\"" + key + "\":\"" + cls + "\",\"dataSourceName\":\"ldap://127.0.0.1:1/x\",\"autoCommit\":true,"
        + "\"command\":[\"sh\",\"-c\",\"touch /tmp/pwned\"]";
    String json = switch (rng.nextInt(7)) {
      case 0 -> "{\"address\":\"h\",\"port\":1,\"payload\":{" + props + "}}";
      case 1 -> "{" + props + ",\"address\":\"h\",\"port\":1}";
      case 2 -> "{\"address\":\"h\",\"port\":1,\"payload\":[\"" + cls + "\",{" + props + "}]}";
      case 3 -> "{\"address\":\"h\",\"port\":1,\"payload\":{\"metadata\":{" + props + "}}}";
      case 4 -> "[\"" + cls + "\",{\"address\":\"h\",\"port\":1}]";
      case 5 -> "{\"serviceEndpoint\":{" + props + ",\"host\":\"h\",\"port\":1},\"additionalEndpoints\":{\"x\":{" + props
          + "}}}";
      default -> "{\"host\":\"h\",\"port\":1,\"labels\":{" + props + ",\"nested\":{\"@class\":\"" + cls + "\"}}}";
    };
    return json.getBytes(UTF_8);
  }

  /** A valid node with bytes spliced in that no UTF-8 decoder may accept as they are. */
  private static byte[] invalidUtf8(SplittableRandom rng) {
    byte[][] bad = {{(byte) 0x80}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xed, (byte) 0xa0,
        (byte) 0x80}, {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xff},
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {0}};
    byte[] base = template(rng).getBytes(UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = rng.nextInt(base.length + 1);
    out.write(base, 0, at);
    byte[] b = bad[rng.nextInt(bad.length)];
    out.write(b, 0, b.length);
    out.write(base, at, base.length - at);
    return out.toByteArray();
  }

  private static byte[] mutated(SplittableRandom rng) {
    byte[] b = template(rng).getBytes(UTF_8);
    String alphabet = "{}[]\":,\\0-e.9 tfn\u0001";
    int edits = 1 + rng.nextInt(8);
    for (int i = 0; i < edits; i++) {
      b[rng.nextInt(b.length)] = (byte) alphabet.charAt(rng.nextInt(alphabet.length()));
    }
    return b;
  }

  /** Every known field given a value of some other type. */
  private static byte[] wrongTypes(SplittableRandom rng) {
    StringBuilder json = new StringBuilder("{");
    int fields = 1 + rng.nextInt(8);
    for (int i = 0; i < fields; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append('"').append(FIELDS.get(rng.nextInt(FIELDS.size()))).append("\":").append(randomJson(rng));
    }
    if (rng.nextBoolean()) {
      json.append(json.length() > 1 ? "," : "").append("\"address\":\"h\"");
    }
    return json.append('}').toString().getBytes(UTF_8);
  }

  private static final String[] SCALARS = {"null", "true", "false", "0", "-1", "1", "65535", "65536", "2147483648",
      "-9223372036854775809", "9223372036854775807", "1e308", "-1e309", "1.5", "NaN", "\"\"", "\"UP\"", "\"8080\"",
      "\" 80 \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"h/../..\"", "\"{scheme}\"", "0.0000001",
      "123456789012345678901234567890", "\"DYNAMIC_SEQUENTIAL\"", "\"static\"", "\"ALIVE\""};

  /** A random JSON value: scalars of every type and small, sometimes malformed, structures. */
  static String randomJson(SplittableRandom rng) {
    return randomJson(rng, 0);
  }

  private static String randomJson(SplittableRandom rng, int depth) {
    int kind = depth > 4 ? 0 : rng.nextInt(4);
    switch (kind) {
      case 1: {
        StringBuilder a = new StringBuilder("[");
        int n = rng.nextInt(4);
        for (int i = 0; i < n; i++) {
          a.append(i > 0 ? "," : "").append(randomJson(rng, depth + 1));
        }
        return a.append(']').toString();
      }
      case 2: {
        StringBuilder o = new StringBuilder("{");
        int n = rng.nextInt(4);
        for (int i = 0; i < n; i++) {
          o.append(i > 0 ? "," : "").append('"').append(FIELDS.get(rng.nextInt(FIELDS.size()))).append("\":")
              .append(randomJson(rng, depth + 1));
        }
        return o.append('}').toString();
      }
      case 3:
        return "\"" + FIELDS.get(rng.nextInt(FIELDS.size())) + "\"";
      default:
        return SCALARS[rng.nextInt(SCALARS.length)];
    }
  }
}
