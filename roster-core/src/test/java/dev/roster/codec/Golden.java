package dev.roster.codec;

import dev.roster.Bytes;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.ServiceType;
import dev.roster.ServiceInstance.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The fixed instance behind the golden files, and a reader for them. */
public final class Golden {
  private Golden() {}

  /** The registration time of every fixture: 2023-11-14T22:13:20Z. */
  public static final Instant REGISTERED_AT = Instant.ofEpochMilli(1_700_000_000_000L);

  /** Every field set, none at its default: what the writable golden files encode. */
  public static ServiceInstance instance() {
    return ServiceInstance.builder("payments").id("payments-1")
        .address("10.0.0.5").port(8080).sslPort(8443)
        .zone("eu-west-1a").weight(70)
        .metadata("version", "1.4.2").metadata("team", "core")
        .status(Status.DRAINING)
        .registeredAt(REGISTERED_AT)
        .build();
  }

  /** Metadata in the order Roster writes it. */
  public static Map<String, String> metadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("version", "1.4.2");
    m.put("team", "core");
    return m;
  }

  /** An instance as a reader of a layout without Roster's attributes builds it. */
  public static ServiceInstance foreign(String id, String address, int port, String zone, int weight,
      Map<String, String> metadata, Status status) {
    return new ServiceInstance("payments", id, address, port, 0, zone, weight, metadata, status, Instant.EPOCH, null,
        ServiceType.DYNAMIC, Bytes.EMPTY);
  }

  /** The exact bytes of {@code src/test/resources/golden/<name>}. */
  public static byte[] bytes(String name) {
    try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no golden file " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
