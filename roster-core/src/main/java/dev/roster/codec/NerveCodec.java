package dev.roster.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roster.Bytes;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.ServiceType;
import dev.roster.ServiceInstance.Status;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Airbnb Nerve JSON, read-only; see {@link InstanceCodec#nerve()}. */
final class NerveCodec extends ReadOnlyCodec {
  static final NerveCodec INSTANCE = new NerveCodec();

  private NerveCodec() {
    super("nerve");
  }

  @Override
  public ServiceInstance decode(String service, String nodeName, byte[] data) {
    return decodeTree(service, nodeName, JsonTrees.object(data, "Nerve"));
  }

  static ServiceInstance decodeTree(String service, String nodeName, JsonNode root) {
    String host = JsonTrees.text(root, "host");
    int port = JsonTrees.intValue(root, "port", 0);
    if (host == null || host.isEmpty() || port <= 0) {
      throw new InstanceFormatException("Nerve JSON has no \"host\" and \"port\"");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode labels = root.get("labels");
    if (labels != null && labels.isObject()) {
      for (Map.Entry<String, JsonNode> e : labels.properties()) {
        String value = JsonTrees.asMetadata(e.getValue());
        if (value != null) {
          metadata.put(e.getKey(), value);
        }
      }
    }
    String name = JsonTrees.text(root, "name");
    if (name != null) {
      metadata.put("name", name); // Nerve's own field wins over a label of the same name
    }
    String zone = metadata.remove("zone");
    // Keys that are Roster attributes elsewhere must not pose as metadata here.
    metadata.remove("weight");
    metadata.remove("instance_status");
    int weight = Math.min(1_000_000, Math.max(0, JsonTrees.intValue(root, "weight", ServiceInstance.DEFAULT_WEIGHT)));
    return new ServiceInstance(service, nodeName, host, port, 0, zone == null || zone.isEmpty() ? null : zone,
        weight, metadata, Status.UP, Instant.EPOCH, null, ServiceType.DYNAMIC, Bytes.EMPTY);
  }

  @Override
  public String toString() {
    return "InstanceCodec.nerve()";
  }
}
