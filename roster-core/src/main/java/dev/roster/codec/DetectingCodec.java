package dev.roster.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roster.ServiceInstance;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Recognises each node's format; read-only; see {@link InstanceCodec#detecting()}. */
final class DetectingCodec extends ReadOnlyCodec {
  static final DetectingCodec INSTANCE = new DetectingCodec();

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Fields only Curator's envelope has; any one of them marks the node as Curator JSON. */
  private static final String[] CURATOR_FIELDS = {"address", "payload", "registrationTimeUTC", "serviceType", "uriSpec"};

  private DetectingCodec() {
    super("detecting");
  }

  @Override
  public ServiceInstance decode(String service, String nodeName, byte @Nullable [] data) {
    if (data == null || !startsLikeJsonObject(data)) {
      return RawCodec.decodeRaw(service, nodeName, data);
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(data);
    } catch (JsonProcessingException e) {
      throw new InstanceFormatException("node data starts like a JSON object but is not valid JSON: "
          + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InstanceFormatException("node data cannot be read as JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      return RawCodec.decodeRaw(service, nodeName, data);
    }
    if (root.has("serviceEndpoint")) {
      return ServerSetCodec.decodeTree(service, nodeName, root);
    }
    for (String field : CURATOR_FIELDS) {
      if (root.has(field)) {
        return JsonInstanceCodec.decodeTree(service, nodeName, root);
      }
    }
    if (root.has("host")) {
      return NerveCodec.decodeTree(service, nodeName, root);
    }
    return RawCodec.decodeRaw(service, nodeName, data);
  }

  /** True when the first non-whitespace byte is '{'. */
  private static boolean startsLikeJsonObject(byte[] data) {
    for (byte b : data) {
      if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
        continue;
      }
      return b == '{';
    }
    return false;
  }

  @Override
  public String toString() {
    return "InstanceCodec.detecting()";
  }
}
