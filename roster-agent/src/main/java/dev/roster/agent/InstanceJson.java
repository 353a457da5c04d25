package dev.roster.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.ServiceInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The agent's JSON for instances, and registration bodies read into instances. */
final class InstanceJson {
  private static final Set<String> BODY_FIELDS =
      Set.of("address", "port", "sslPort", "zone", "weight", "status", "metadata", "ttl", "service", "id");

  /** The shortest and longest TTL a registration may ask for. */
  static final Duration MIN_TTL = Duration.ofSeconds(1);
  static final Duration MAX_TTL = Duration.ofHours(24);

  private InstanceJson() {}

  static ObjectNode of(ServiceInstance i) {
    ObjectNode n = Http.MAPPER.createObjectNode();
    n.put("id", i.id());
    n.put("address", i.address());
    n.put("port", i.port());
    if (i.sslPort() == 0) {
      n.putNull("sslPort");
    } else {
      n.put("sslPort", i.sslPort());
    }
    n.put("zone", i.zone());
    n.put("weight", i.weight());
    n.put("status", i.status().name());
    ObjectNode metadata = n.putObject("metadata");
    i.metadata().forEach(metadata::put);
    n.put("registeredAt", i.registeredAt().toString());
    return n;
  }

  static ArrayNode array(List<ServiceInstance> instances) {
    ArrayNode a = Http.MAPPER.createArrayNode();
    for (ServiceInstance i : instances) {
      a.add(of(i));
    }
    return a;
  }

  /** A registration body: the instance, and its TTL or null. */
  record Body(ServiceInstance instance, @Nullable Duration ttl) {}

  /**
   * Reads a registration body for {@code service}/{@code id}; every value is checked by the
   * library's builder, whose message and field word the 400 carries.
   *
   * @param registeredAt kept from an earlier registration of the same instance, or null for now
   */
  static Body read(String service, String id, byte[] bytes, @Nullable Instant registeredAt) {
    JsonNode root;
    try {
      root = Http.MAPPER.readTree(bytes);
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      // Jackson's own limits (nesting depth, number and string lengths); it gives no location.
      throw new HttpError(400, "body: beyond the JSON parser's limits (nesting depth, number or string length)", "body");
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the input and its own class names: say where instead.
      com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
      throw new HttpError(400, at == null ? "body: malformed JSON"
          : "body: malformed JSON at line " + at.getLineNr() + ", column " + at.getColumnNr(), "body");
    } catch (java.io.IOException e) {
      throw new HttpError(400, "body: unreadable", "body");
    }
    if (root == null || !root.isObject()) {
      throw new HttpError(400, "body: expected a JSON object such as {\"address\":\"10.0.0.5\",\"port\":8080}", "body");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!BODY_FIELDS.contains(name)) {
        throw new HttpError(400, name + ": unknown field; expected one of address, port, sslPort, zone, "
            + "weight, status, metadata, ttl", name);
      }
    }
    requireSame(root, "service", service, "service name");
    requireSame(root, "id", id, "instance id");
    try {
      ServiceInstance.Builder b = ServiceInstance.builder(service).id(id);
      JsonNode address = root.get("address");
      if (address == null || address.isNull()) {
        throw new HttpError(400, "address is missing: expected a host name or IP address", "address");
      }
      b.address(text(address, "address"));
      JsonNode port = root.get("port");
      if (port == null || port.isNull()) {
        throw new HttpError(400, "port is missing: expected 1-65535", "port");
      }
      b.port(integer(port, "port"));
      JsonNode sslPort = root.get("sslPort");
      if (sslPort != null && !sslPort.isNull()) {
        b.sslPort(integer(sslPort, "ssl port"));
      }
      JsonNode zone = root.get("zone");
      if (zone != null && !zone.isNull()) {
        b.zone(text(zone, "zone"));
      }
      JsonNode weight = root.get("weight");
      if (weight != null && !weight.isNull()) {
        b.weight(integer(weight, "weight"));
      }
      JsonNode status = root.get("status");
      if (status != null && !status.isNull()) {
        b.status(status(text(status, "status")));
      }
      JsonNode metadata = root.get("metadata");
      if (metadata != null && !metadata.isNull()) {
        if (!metadata.isObject()) {
          throw new HttpError(400, "metadata: expected an object of strings", "metadata");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!e.getValue().isTextual()) {
            throw new HttpError(400, "metadata value for key '" + e.getKey() + "': expected a string",
                "metadata value");
          }
          entries.put(e.getKey(), e.getValue().asText());
        }
        b.metadata(entries);
      }
      if (registeredAt != null) {
        b.registeredAt(registeredAt);
      }
      Duration ttl = null;
      JsonNode ttlNode = root.get("ttl");
      if (ttlNode != null && !ttlNode.isNull()) {
        ttl = Durations.parse("ttl", text(ttlNode, "ttl"), MIN_TTL, MAX_TTL);
      }
      return new Body(b.build(), ttl);
    } catch (IllegalArgumentException e) {
      throw HttpError.invalid(e);
    }
  }

  private static void requireSame(JsonNode root, String key, String expected, String field) {
    JsonNode n = root.get(key);
    if (n != null && !n.isNull() && !expected.equals(n.asText())) {
      throw new HttpError(400, field + " '" + n.asText() + "': differs from the path's '" + expected + "'", field);
    }
  }

  private static String text(JsonNode n, String field) {
    if (!n.isTextual()) {
      throw new HttpError(400, field + " " + n + ": expected a string", field);
    }
    return n.asText();
  }

  private static int integer(JsonNode n, String field) {
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new HttpError(400, field + " " + n + ": expected an integer", field);
    }
    return n.intValue();
  }

  private static ServiceInstance.Status status(String text) {
    try {
      return ServiceInstance.Status.valueOf(text);
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, "status '" + text + "': expected UP, DRAINING, OUT_OF_SERVICE or STARTING", "status");
    }
  }
}
