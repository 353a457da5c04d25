package dev.roster.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.Bytes;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.ServiceType;
import dev.roster.ServiceInstance.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Curator x-discovery's JSON instance format, in two payload forms and both of Curator's
 * serializer modes.
 *
 * <p>The envelope is Curator's: {@code name, id, address, port, sslPort, payload,
 * registrationTimeUTC, serviceType, uriSpec}, then {@code enabled} in Curator's
 * non-compatible mode only, in the order Curator's Jackson writes them, so that for the same
 * values the bytes are Curator's own. The payload differs by form:
 *
 * <ul>
 *   <li>Spring Cloud: {@code {"@class": "...ZookeeperInstance", "id", "name", "metadata":
 *       {..., "zone": ..., "weight": "70", "instance_status": "UP"}}}, which Spring Cloud
 *       Zookeeper deserializes into its own class, and whose metadata keys are the ones
 *       Spring Cloud LoadBalancer's zone-preference and weighted suppliers read.
 *   <li>Curator: {@code {"zone", "weight", "status", "metadata": {...}}} without
 *       {@code "@class"}, which a Curator reader with a {@code Map} payload reads as its
 *       default type.
 * </ul>
 *
 * <p>Why {@code enabled} is left out by default: Curator readers older than 2.12 / 3.3 fail
 * on any field they do not know (CURATOR-394), which is why Curator's own default serializer
 * and Spring Cloud Zookeeper leave it out. The status travels in the payload instead, where
 * Spring reads it; {@link InstanceCodec#curator(boolean) curator(false)} writes it for
 * Curator's {@code ServiceProvider}, which filters on it.
 *
 * <p>Decoding is the same for every form and reads the JSON as a tree: no class named by the
 * data is ever looked up, unknown envelope fields are ignored, missing ones get defaults,
 * and payload fields other than Roster's own become metadata, so a Curator user's custom
 * payload stays visible.
 */
final class JsonInstanceCodec implements InstanceCodec {

  /** Spring Cloud Zookeeper's payload class, written as data only. */
  static final String SPRING_PAYLOAD_CLASS =
      "org.springframework.cloud.zookeeper.discovery.ZookeeperInstance";

  /** Spring Cloud Zookeeper's metadata key for the instance status. */
  static final String STATUS_KEY = "instance_status";

  /** Metadata keys that carry Roster's own attributes in the Spring form. */
  static final Set<String> RESERVED_METADATA_KEYS = Set.of(STATUS_KEY, "zone", "weight");

  /** Payload fields of the plain form that are Roster's attributes, not metadata. */
  private static final Set<String> PLAIN_PAYLOAD_FIELDS = Set.of("@class", "metadata", "zone", "weight", "status");

  /** Payload fields of Spring's (and Dubbo's) {@code ZookeeperInstance} that are not metadata. */
  private static final Set<String> SPRING_PAYLOAD_FIELDS = Set.of("@class", "metadata", "id", "name");

  /** Spring Cloud form, Curator's compatible mode: the default codec. */
  static final JsonInstanceCodec SPRING_CLOUD = new JsonInstanceCodec(true, false);

  /** Plain form, Curator's compatible mode. */
  static final JsonInstanceCodec CURATOR = new JsonInstanceCodec(false, false);

  /** Plain form, Curator's non-compatible mode (with {@code enabled}). */
  static final JsonInstanceCodec CURATOR_WITH_ENABLED = new JsonInstanceCodec(false, true);

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private final boolean spring;
  private final boolean writeEnabled;

  private JsonInstanceCodec(boolean spring, boolean writeEnabled) {
    this.spring = spring;
    this.writeEnabled = writeEnabled;
  }

  @Override
  public String name() {
    return spring ? "spring-cloud" : writeEnabled ? "curator-non-compatible" : "curator";
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the instance carries a {@link ServiceInstance#payload()
   *     payload}: Curator's format has no place for opaque bytes, and dropping bytes the caller
   *     set would be silent data loss
   */
  @Override
  public byte[] encode(ServiceInstance instance) {
    if (!instance.payload().isEmpty()) {
      throw new IllegalArgumentException("payload " + instance.payload() + ": codec '" + name()
          + "' has no place for opaque bytes; register with InstanceCodec.raw(), or carry the data in metadata");
    }
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
        // Strings, because Spring's metadata is Map<String, String>.
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
      g.writeStringField("serviceType", instance.serviceType().name());
      writeUriSpec(g, instance.uriSpec());
      if (writeEnabled) {
        g.writeBooleanField("enabled", instance.status() == Status.UP);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize instance " + instance.id(), e);
    }
    return out.toByteArray();
  }

  /**
   * Writes a spec such as {@code {scheme}://{address}:{port}} as Curator's {@code UriSpec}
   * parts, split the way Curator's parser splits it: text between braces is a variable
   * (trimmed), the rest literal, empty pieces dropped.
   */
  private static void writeUriSpec(JsonGenerator g, @Nullable String spec) throws IOException {
    if (spec == null) {
      g.writeNullField("uriSpec");
      return;
    }
    g.writeObjectFieldStart("uriSpec");
    g.writeArrayFieldStart("parts");
    StringBuilder token = new StringBuilder();
    boolean variable = false;
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      if (c == '{' || c == '}') {
        writePart(g, token, variable);
        variable = c == '{';
      } else {
        token.append(c);
      }
    }
    writePart(g, token, variable);
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writePart(JsonGenerator g, StringBuilder token, boolean variable) throws IOException {
    if (token.length() == 0) {
      return;
    }
    g.writeStartObject();
    g.writeStringField("value", variable ? token.toString().trim() : token.toString());
    g.writeBooleanField("variable", variable);
    g.writeEndObject();
    token.setLength(0);
  }

  @Override
  public ServiceInstance decode(String service, String nodeName, byte[] data) {
    return decodeTree(service, nodeName, JsonTrees.object(data, "Curator instance"));
  }

  /**
   * Reads an instance from Curator JSON already parsed into a tree; for codecs that look at
   * the tree first to recognise the format.
   *
   * @throws InstanceFormatException if there is no address
   */
  static ServiceInstance decodeTree(String service, String nodeName, JsonNode root) {
    String address = JsonTrees.text(root, "address");
    if (address == null || address.isEmpty()) {
      throw new InstanceFormatException("instance JSON has no \"address\"");
    }
    String id = JsonTrees.text(root, "id");
    if (id == null || id.isEmpty()) {
      id = nodeName;
    }
    int port = JsonTrees.intValue(root, "port", 0);
    int sslPort = JsonTrees.intValue(root, "sslPort", 0);
    JsonNode time = root.get("registrationTimeUTC");
    Instant registeredAt = time != null && time.canConvertToLong()
        ? Instant.ofEpochMilli(time.asLong()) : Instant.EPOCH;
    JsonNode enabledNode = root.get("enabled");
    boolean enabled = enabledNode == null || !enabledNode.isBoolean() || enabledNode.booleanValue();

    String zone = null;
    int weight = ServiceInstance.DEFAULT_WEIGHT;
    Status status = null;
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode payload = unwrapTypedPayload(root.get("payload"));
    if (payload != null && payload.isObject()) {
      // Spring's ZookeeperInstance, or Dubbo's class of the same name and shape.
      String payloadClass = JsonTrees.text(payload, "@class");
      boolean springShape = payloadClass != null && payloadClass.endsWith(".ZookeeperInstance");
      Set<String> known = springShape ? SPRING_PAYLOAD_FIELDS : PLAIN_PAYLOAD_FIELDS;
      // A custom Curator payload ({"@class": "com.example.Details", "description": ...}) keeps
      // its fields visible as metadata; entries of "metadata" win over them.
      for (Map.Entry<String, JsonNode> e : payload.properties()) {
        if (!known.contains(e.getKey())) {
          putText(metadata, e.getKey(), e.getValue());
        }
      }
      JsonNode meta = payload.get("metadata");
      if (meta != null && meta.isObject()) {
        for (Map.Entry<String, JsonNode> e : meta.properties()) {
          putText(metadata, e.getKey(), e.getValue());
        }
      }
      zone = springShape ? null : JsonTrees.text(payload, "zone");
      if (zone == null) {
        zone = metadata.get("zone");
      }
      JsonNode w = springShape ? null : payload.get("weight");
      String metaWeight = metadata.get("weight");
      if (w != null && w.canConvertToInt()) {
        weight = w.asInt();
      } else if (metaWeight != null) {
        weight = parseWeight(metaWeight);
      }
      String statusText = springShape ? null : JsonTrees.text(payload, "status");
      if (statusText == null) {
        statusText = metadata.get(STATUS_KEY);
      }
      status = parseStatus(statusText);
      metadata.keySet().removeAll(RESERVED_METADATA_KEYS);
    } else if (payload != null && payload.isValueNode() && !payload.isNull()) {
      // A scalar payload, such as Curator's ServiceInstance<String>: keep it visible.
      metadata.put("payload", payload.asText());
    }
    if (status == null) {
      status = enabled ? Status.UP : Status.OUT_OF_SERVICE;
    } else if (!enabled && status == Status.UP) {
      status = Status.OUT_OF_SERVICE;
    }
    return new ServiceInstance(service, id, address, port, sslPort,
        zone == null || zone.isEmpty() ? null : shared(zone), Math.min(1_000_000, Math.max(0, weight)), metadata, status,
        registeredAt, uriSpec(root.get("uriSpec")), serviceType(JsonTrees.text(root, "serviceType")), Bytes.EMPTY);
  }

  /**
   * Jackson writes a typed scalar or list payload as {@code ["java.lang.String", "value"]}
   * rather than with an {@code "@class"} property; this takes the value out of that wrapper.
   */
  private static @Nullable JsonNode unwrapTypedPayload(@Nullable JsonNode payload) {
    if (payload != null && payload.isArray() && payload.size() == 2 && payload.get(0).isTextual()) {
      return payload.get(1);
    }
    return payload;
  }

  private static void putText(Map<String, String> into, String key, JsonNode value) {
    String text = JsonTrees.asMetadata(value);
    if (text != null) {
      into.put(shared(key), shared(text));
    }
  }

  /**
   * One copy of a short string that many instances repeat (metadata keys, versions, teams,
   * zones): a cache of 50,000 instances would otherwise hold 50,000 copies of each. The JVM's
   * string table holds interned strings weakly, so a value no instance uses any more is
   * collected as before; long values are rarely shared and are left as they are.
   */
  private static String shared(String value) {
    return value.length() <= 64 ? value.intern() : value;
  }

  /**
   * Rebuilds the spec text from Curator's parts: variables in braces, literals as they are.
   * A plain string is taken as the spec itself, as non-Java writers sometimes write it.
   */
  private static @Nullable String uriSpec(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    JsonNode parts = node.get("parts");
    if (parts == null || !parts.isArray()) {
      return null;
    }
    StringBuilder spec = new StringBuilder();
    for (JsonNode part : parts) {
      String value = JsonTrees.text(part, "value");
      if (value == null) {
        continue;
      }
      JsonNode variable = part.get("variable");
      if (variable != null && variable.asBoolean(false)) {
        spec.append('{').append(value).append('}');
      } else {
        spec.append(value);
      }
    }
    return spec.toString();
  }

  private static ServiceType serviceType(@Nullable String text) {
    if (text == null) {
      return ServiceType.DYNAMIC;
    }
    try {
      return ServiceType.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return ServiceType.DYNAMIC; // a type from a newer Curator: the node is still an instance
    }
  }

  private static int parseWeight(String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return ServiceInstance.DEFAULT_WEIGHT;
    }
  }

  /** Maps Roster's, Spring's and Eureka's status words; anything unknown is not UP. */
  private static @Nullable Status parseStatus(@Nullable String text) {
    if (text == null) {
      return null;
    }
    switch (text.trim().toUpperCase(Locale.ROOT)) {
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
    return "InstanceCodec." + (spring ? "springCloud()" : writeEnabled ? "curator(false)" : "curator()");
  }
}
