package dev.roster.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.Status;
import dev.roster.codec.InstanceCodec;
import dev.roster.codec.InstanceFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Curator x-discovery's JSON instance format, in two payload forms.
 *
 * <p>The envelope is Curator's: {@code name, id, address, port, sslPort, payload,
 * registrationTimeUTC, serviceType, uriSpec, enabled}, in the order Curator's Jackson writes
 * them. The payload differs by form:
 *
 * <ul>
 *   <li>Spring Cloud: {@code {"@class": "...ZookeeperInstance", "id", "name", "metadata":
 *       {..., "instance_status": "UP", "zone": ..., "weight": ...}}}, which Spring Cloud
 *       Zookeeper deserializes into its own class.
 *   <li>Curator: {@code {"zone", "weight", "status", "metadata": {...}}} without
 *       {@code "@class"}, which a Curator reader with a {@code Map} payload reads as its
 *       default type.
 * </ul>
 *
 * <p>Decoding is the same for both and reads the JSON as a tree: no class named by the data
 * is ever looked up, unknown fields are ignored, and missing ones get defaults.
 */
public final class JsonInstanceCodec implements InstanceCodec {

  /** Spring Cloud Zookeeper's payload class, written as data only. */
  public static final String SPRING_PAYLOAD_CLASS =
      "org.springframework.cloud.zookeeper.discovery.ZookeeperInstance";

  /** Spring Cloud Zookeeper's metadata key for the instance status. */
  public static final String STATUS_KEY = "instance_status";

  /** Metadata keys that carry Roster's own attributes in the Spring form. */
  public static final Set<String> RESERVED_METADATA_KEYS = Set.of(STATUS_KEY, "zone", "weight");

  public static final JsonInstanceCodec SPRING_CLOUD = new JsonInstanceCodec(true);
  public static final JsonInstanceCodec CURATOR = new JsonInstanceCodec(false);

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private final boolean spring;

  private JsonInstanceCodec(boolean spring) {
    this.spring = spring;
  }

  @Override
  public String name() {
    return spring ? "spring-cloud" : "curator";
  }

  @Override
  public byte[] encode(ServiceInstance instance) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("name", instance.service());
      g.writeStringField("id", instance.id());
      g.writeStringField("address", instance.address());
      g.writeNumberField("port", instance.port());
      if (instance.sslPort() != 0) {
        g.writeNumberField("sslPort", instance.sslPort());
      } else {
        g.writeNullField("sslPort");
      }
      g.writeObjectFieldStart("payload");
      if (spring) {
        g.writeStringField("@class", SPRING_PAYLOAD_CLASS);
        g.writeStringField("id", instance.id());
        g.writeStringField("name", instance.service());
        g.writeObjectFieldStart("metadata");
        for (Map.Entry<String, String> e : instance.metadata().entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        if (instance.zone() != null) {
          g.writeStringField("zone", instance.zone());
        }
        g.writeStringField("weight", Integer.toString(instance.weight()));
        g.writeStringField(STATUS_KEY, instance.status().name());
        g.writeEndObject();
      } else {
        if (instance.zone() != null) {
          g.writeStringField("zone", instance.zone());
        }
        g.writeNumberField("weight", instance.weight());
        g.writeStringField("status", instance.status().name());
        g.writeObjectFieldStart("metadata");
        for (Map.Entry<String, String> e : instance.metadata().entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeNumberField("registrationTimeUTC", instance.registeredAt().toEpochMilli());
      g.writeStringField("serviceType", "DYNAMIC");
      writeUriSpec(g);
      // Curator readers before CURATOR-275 reject unknown fields; every reader since
      // understands "enabled", and Spring Cloud Zookeeper's readers are all newer.
      g.writeBooleanField("enabled", instance.status() == Status.UP);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize instance " + instance.id(), e);
    }
    return out.toByteArray();
  }

  /** Writes {@code {scheme}://{address}:{port}} as Curator's UriSpec parts, as Spring does. */
  private static void writeUriSpec(JsonGenerator g) throws IOException {
    g.writeObjectFieldStart("uriSpec");
    g.writeArrayFieldStart("parts");
    writePart(g, "scheme", true);
    writePart(g, "://", false);
    writePart(g, "address", true);
    writePart(g, ":", false);
    writePart(g, "port", true);
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writePart(JsonGenerator g, String value, boolean variable) throws IOException {
    g.writeStartObject();
    g.writeStringField("value", value);
    g.writeBooleanField("variable", variable);
    g.writeEndObject();
  }

  @Override
  public ServiceInstance decode(String service, String nodeName, byte[] data) {
    if (data == null || data.length == 0) {
      throw new InstanceFormatException("node has no data; expected Curator instance JSON");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(data);
    } catch (JsonProcessingException e) {
      throw new InstanceFormatException("node data is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InstanceFormatException("node data cannot be read as JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new InstanceFormatException("node data is JSON but not an object; expected Curator instance JSON");
    }
    String address = text(root, "address");
    if (address == null || address.isEmpty()) {
      throw new InstanceFormatException("instance JSON has no \"address\"");
    }
    String id = text(root, "id");
    if (id == null || id.isEmpty()) {
      id = nodeName;
    }
    int port = intValue(root.get("port"), 0);
    int sslPort = intValue(root.get("sslPort"), 0);
    JsonNode time = root.get("registrationTimeUTC");
    Instant registeredAt = time != null && time.canConvertToLong()
        ? Instant.ofEpochMilli(time.asLong()) : Instant.EPOCH;
    JsonNode enabledNode = root.get("enabled");
    boolean enabled = enabledNode == null || !enabledNode.isBoolean() || enabledNode.booleanValue();

    String zone = null;
    int weight = ServiceInstance.DEFAULT_WEIGHT;
    Status status = null;
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode payload = root.get("payload");
    if (payload != null && payload.isObject()) {
      JsonNode meta = payload.get("metadata");
      if (meta != null && meta.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          JsonNode v = e.getValue();
          if (v != null && !v.isNull()) {
            metadata.put(e.getKey(), v.isValueNode() ? v.asText() : v.toString());
          }
        }
      }
      zone = text(payload, "zone");
      if (zone == null) {
        zone = metadata.get("zone");
      }
      JsonNode w = payload.get("weight");
      String metaWeight = metadata.get("weight");
      if (w != null && w.canConvertToInt()) {
        weight = w.asInt();
      } else if (metaWeight != null) {
        weight = parseWeight(metaWeight);
      }
      String statusText = text(payload, "status");
      if (statusText == null) {
        statusText = metadata.get(STATUS_KEY);
      }
      status = parseStatus(statusText);
      metadata.keySet().removeAll(RESERVED_METADATA_KEYS);
    }
    if (status == null) {
      status = enabled ? Status.UP : Status.OUT_OF_SERVICE;
    } else if (!enabled && status == Status.UP) {
      status = Status.OUT_OF_SERVICE;
    }
    return new ServiceInstance(service, id, address, port, sslPort,
        zone == null || zone.isEmpty() ? null : zone, Math.max(0, weight), metadata, status, registeredAt);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isValueNode() && !v.isNull() ? v.asText() : null;
  }

  private static int intValue(JsonNode node, int fallback) {
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (node.canConvertToInt()) {
      return node.asInt();
    }
    if (node.isTextual()) {
      try {
        return Integer.parseInt(node.asText().trim());
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  private static int parseWeight(String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return ServiceInstance.DEFAULT_WEIGHT;
    }
  }

  /** Maps Roster's, Spring's and Eureka's status words; anything unknown is not UP. */
  private static Status parseStatus(String text) {
    if (text == null) {
      return null;
    }
    switch (text.trim().toUpperCase(java.util.Locale.ROOT)) {
      case "UP":
        return Status.UP;
      case "DRAINING":
        return Status.DRAINING;
      case "STARTING":
        return Status.STARTING;
      default:
        return Status.OUT_OF_SERVICE;
    }
  }

  @Override
  public String toString() {
    return "InstanceCodec." + (spring ? "springCloud()" : "curator()");
  }
}
