package dev.roster.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roster.Bytes;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.ServiceType;
import dev.roster.ServiceInstance.Status;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Finagle / Twitter ServerSet JSON, read-only; see {@link InstanceCodec#serverSet()}. */
final class ServerSetCodec extends ReadOnlyCodec {
  static final ServerSetCodec INSTANCE = new ServerSetCodec();

  private ServerSetCodec() {
    super("serverset");
  }

  @Override
  public ServiceInstance decode(String service, String nodeName, byte[] data) {
    return decodeTree(service, nodeName, JsonTrees.object(data, "ServerSet"));
  }

  static ServiceInstance decodeTree(String service, String nodeName, JsonNode root) {
    JsonNode endpoint = root.get("serviceEndpoint");
    String host = JsonTrees.text(endpoint, "host");
    int port = JsonTrees.intValue(endpoint, "port", 0);
    if (host == null || host.isEmpty() || port <= 0) {
      throw new InstanceFormatException("ServerSet JSON has no \"serviceEndpoint\" with a host and port");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    String shard = JsonTrees.asMetadata(root.get("shard"));
    if (shard != null) {
      metadata.put("shard", shard);
    }
    JsonNode additional = root.get("additionalEndpoints");
    if (additional != null && additional.isObject()) {
      for (Map.Entry<String, JsonNode> e : additional.properties()) {
        String h = JsonTrees.text(e.getValue(), "host");
        int p = JsonTrees.intValue(e.getValue(), "port", 0);
        if (h != null && p > 0) {
          metadata.put("endpoint." + e.getKey(), (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + p);
        }
      }
    }
    return new ServiceInstance(service, nodeName, host, port, 0, null, ServiceInstance.DEFAULT_WEIGHT, metadata,
        status(JsonTrees.text(root, "status")), Instant.EPOCH, null, ServiceType.DYNAMIC, Bytes.EMPTY);
  }

  /** Finagle routes to ALIVE members only, so only ALIVE is UP. */
  private static Status status(@Nullable String text) {
    if (text == null) {
      return Status.OUT_OF_SERVICE;
    }
    switch (text.trim().toUpperCase(Locale.ROOT)) {
      case "ALIVE":
        return Status.UP;
      case "STARTING":
        return Status.STARTING;
      case "STOPPING":
        return Status.DRAINING;
      default:
        return Status.OUT_OF_SERVICE;
    }
  }

  @Override
  public String toString() {
    return "InstanceCodec.serverSet()";
  }
}
