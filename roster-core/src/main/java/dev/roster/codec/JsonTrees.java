package dev.roster.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Small, lenient readers of parsed JSON, shared by every JSON codec. */
final class JsonTrees {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonTrees() {}

  /** Parses {@code data} into a JSON object, or fails with a message naming {@code format}. */
  static JsonNode object(byte @Nullable [] data, String format) {
    if (data == null || data.length == 0) {
      throw new InstanceFormatException("node has no data; expected " + format + " JSON");
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
      throw new InstanceFormatException("node data is JSON but not an object; expected " + format + " JSON");
    }
    return root;
  }

  /** A scalar field as text, or null when absent, null or structured. */
  static @Nullable String text(@Nullable JsonNode node, String field) {
    if (node == null) {
      return null;
    }
    JsonNode v = node.get(field);
    return v != null && v.isValueNode() && !v.isNull() ? v.asText() : null;
  }

  /** A field as an int (numbers and numeric strings), or {@code fallback}. */
  static int intValue(@Nullable JsonNode node, String field, int fallback) {
    JsonNode v = node == null ? null : node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (v.canConvertToInt()) {
      return v.asInt();
    }
    if (v.isTextual()) {
      try {
        return Integer.parseInt(v.asText().trim());
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  /** A value as metadata text: scalars as they read, structures as compact JSON. */
  static @Nullable String asMetadata(@Nullable JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    return value.isValueNode() ? value.asText() : value.toString();
  }
}
