package dev.roster.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roster.ServiceInstance;
import java.util.List;

/**
 * The JSON the commands print with {@code --json}. Field names match the HTTP agent's API in
 * DESIGN.md, so a script can move between the two.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** One instance: id, address, port, sslPort, zone, weight, status, metadata, registeredAt. */
  static ObjectNode instance(ServiceInstance i) {
    ObjectNode node = object()
        .put("id", i.id())
        .put("address", i.address())
        .put("port", i.port())
        .put("sslPort", i.sslPort())
        .put("zone", i.zone())
        .put("weight", i.weight())
        .put("status", i.status().name());
    ObjectNode metadata = node.putObject("metadata");
    i.metadata().forEach(metadata::put);
    node.put("registeredAt", i.registeredAt().toString());
    return node;
  }

  static ArrayNode instances(List<ServiceInstance> instances) {
    ArrayNode array = MAPPER.createArrayNode();
    instances.forEach(i -> array.add(instance(i)));
    return array;
  }

  /** Indented, for {@code ls}: people read it too. */
  static String pretty(ObjectNode node) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** One line, for {@code watch}: one event per line. */
  static String line(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
