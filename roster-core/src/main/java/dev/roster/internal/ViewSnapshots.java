package dev.roster.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One view's local snapshot file: the raw bytes of every instance node it last held, so the
 * next start can serve them (decoded by the same codec, skipping what no longer decodes)
 * while ZooKeeper is unreachable.
 *
 * <p>Layout: {@code <dir>/<base path, URL-encoded>/<service, URL-encoded>.json}, holding
 * {@code {"format": "roster-view-snapshot", "version": 1, "basePath", "service", "lastZxid",
 * "savedAt", "nodes": {"<node name>": "<base64 data>"}}}. Written to a temporary file in the
 * same directory and renamed over the old one, so a reader never sees half a file.
 */
final class ViewSnapshots {
  private static final Logger log = LoggerFactory.getLogger(ViewSnapshots.class);
  static final String FORMAT = "roster-view-snapshot";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path file;
  /** A change is not yet written; and a write is scheduled. The view's context only. */
  private boolean dirty;
  private boolean scheduled;
  private final String basePath;
  private final String service;

  ViewSnapshots(Path directory, String basePath, String service) {
    this.basePath = basePath;
    this.service = service;
    this.file = directory.resolve(URLEncoder.encode(basePath, StandardCharsets.UTF_8))
        .resolve(URLEncoder.encode(service, StandardCharsets.UTF_8) + ".json");
  }

  /**
   * The view changed: writes its nodes soon, one write for a burst of changes. On the view's
   * context, where the write runs too.
   */
  void changed(Timer timer, Executor context, BooleanSupplier open, Supplier<Map<String, byte[]>> nodes,
      LongSupplier lastZxid) {
    dirty = true;
    if (scheduled) {
      return;
    }
    scheduled = true;
    timer.schedule(Duration.ofMillis(200), () -> context.execute(() -> {
      scheduled = false;
      if (dirty && open.getAsBoolean()) {
        dirty = false;
        write(nodes.get(), lastZxid.getAsLong());
      }
    }));
  }

  /** What was just loaded from the file needs no write back. */
  void loaded() {
    dirty = false;
  }

  /** The nodes of the last snapshot, or null when there is none or it cannot be used. */
  @Nullable Map<String, byte[]> load() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      log.warn("ignoring snapshot {}: cannot read it: {}", file, e.toString());
      return null;
    }
    try {
      JsonNode root = MAPPER.readTree(bytes);
      if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())
          || root.path("version").asInt() != 1) {
        log.warn("ignoring snapshot {}: not a Roster view snapshot", file);
        return null;
      }
      if (!basePath.equals(root.path("basePath").asText()) || !service.equals(root.path("service").asText())) {
        log.warn("ignoring snapshot {}: it is of {}/{}, not {}/{}", file, root.path("basePath").asText(),
            root.path("service").asText(), basePath, service);
        return null;
      }
      JsonNode nodes = root.path("nodes");
      if (!nodes.isObject()) {
        log.warn("ignoring snapshot {}: no nodes", file);
        return null;
      }
      Map<String, byte[]> out = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = nodes.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText()));
      }
      return out;
    } catch (IOException | IllegalArgumentException e) {
      log.warn("ignoring snapshot {}: corrupt ({})", file, e.getMessage());
      return null;
    }
  }

  /** Replaces the snapshot atomically; failures are logged, never thrown. */
  void write(Map<String, byte[]> nodes, long lastZxid) {
    Path tmp = null;
    try {
      Files.createDirectories(file.getParent());
      tmp = Files.createTempFile(file.getParent(), ".snapshot-", ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp);
          JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("format", FORMAT);
        g.writeNumberField("version", 1);
        g.writeStringField("basePath", basePath);
        g.writeStringField("service", service);
        g.writeNumberField("lastZxid", lastZxid);
        g.writeStringField("savedAt", Instant.now().toString());
        g.writeObjectFieldStart("nodes");
        for (Map.Entry<String, byte[]> e : nodes.entrySet()) {
          g.writeStringField(e.getKey(), Base64.getEncoder().encodeToString(e.getValue()));
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      log.warn("could not write snapshot {}: {}", file, e.toString());
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }
}
