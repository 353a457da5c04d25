package dev.roster.codec;

import dev.roster.ServiceInstance;

/**
 * Turns a {@link ServiceInstance} into a znode's bytes and back: the wire format of one
 * layout, chosen with {@code Roster.builder().codec(...)}.
 *
 * <table>
 *   <caption>The codecs</caption>
 *   <tr><th>codec</th><th>reads</th><th>writes</th></tr>
 *   <tr><td>{@link #springCloud()} (default)</td><td>Curator JSON, both payload forms</td>
 *       <td>Curator JSON, payload as Spring Cloud Zookeeper writes it</td></tr>
 *   <tr><td>{@link #curator()}</td><td>Curator JSON, both payload forms</td>
 *       <td>Curator JSON, payload as a plain object</td></tr>
 *   <tr><td>{@link #curator(boolean) curator(false)}</td><td>Curator JSON, both payload forms</td>
 *       <td>as {@code curator()}, plus Curator's {@code enabled} field</td></tr>
 *   <tr><td>{@link #raw()}</td><td>any bytes; {@code host:port} parsed</td>
 *       <td>the payload bytes, or {@code host:port}</td></tr>
 *   <tr><td>{@link #serverSet()}</td><td>Finagle ServerSet JSON</td><td>nothing (read-only)</td></tr>
 *   <tr><td>{@link #nerve()}</td><td>Airbnb Nerve JSON</td><td>nothing (read-only)</td></tr>
 *   <tr><td>{@link #detecting()}</td><td>each of the above, recognised per node</td>
 *       <td>nothing (read-only)</td></tr>
 * </table>
 *
 * <p>Readers are tolerant: unknown fields are ignored, missing ones get defaults, and a
 * JSON reader never instantiates a class named by the data ({@code "@class"} is read as a
 * plain string). What a reader cannot make sense of fails with {@link
 * InstanceFormatException}, and a view skips that one node.
 *
 * <p>Implementations must be immutable and thread-safe: one codec serves every view and
 * registration of a {@code Roster} at once.
 */
public interface InstanceCodec {

  /**
   * A short name for logs and messages, such as {@code "spring-cloud"}.
   *
   * @return the codec's name
   */
  String name();

  /**
   * False for codecs that only read (ServerSet, Nerve, detecting): their {@link #encode}
   * throws, and a {@code Roster} built with one refuses {@code register}.
   *
   * @return whether this codec can write instances
   */
  default boolean canEncode() {
    return true;
  }

  /**
   * Serializes an instance.
   *
   * @param instance the instance to write
   * @return the node data
   * @throws UnsupportedOperationException if this codec is read-only ({@link #canEncode()})
   * @throws IllegalArgumentException if the instance holds what the format cannot carry (for
   *     the JSON codecs, a {@link ServiceInstance#payload() payload}), rather than drop it
   */
  byte[] encode(ServiceInstance instance);

  /**
   * Reads an instance from a node's data.
   *
   * @param service the service the node belongs to (its parent's name)
   * @param nodeName the node's own name, used as the id when the data has none
   * @param data the node's bytes; ZooKeeper gives {@code null} for a node created without data
   * @return the instance the data describes
   * @throws InstanceFormatException if the data is not an instance in this codec's format
   */
  ServiceInstance decode(String service, String nodeName, byte[] data);

  /**
   * Curator x-discovery JSON with the payload as Spring Cloud Zookeeper writes it
   * ({@code "@class"} naming its {@code ZookeeperInstance}; metadata, zone, weight and the
   * status as {@code instance_status} in its {@code metadata}). The default. Byte for byte
   * what Curator's default serializer writes for Spring's payload: without the
   * {@code enabled} field, which readers older than Curator 2.12 / 3.3 reject (CURATOR-394).
   *
   * @return the Spring Cloud Zookeeper codec
   */
  static InstanceCodec springCloud() {
    return JsonInstanceCodec.SPRING_CLOUD;
  }

  /**
   * Curator x-discovery JSON with the payload as a plain JSON object
   * ({@code {"zone", "weight", "status", "metadata"}}, no {@code "@class"}), which a Curator
   * reader with a {@code Map} payload type parses. Written in Curator's compatible mode:
   * without the {@code enabled} field (see {@link #curator(boolean)}).
   *
   * @return the Curator codec with a plain payload
   */
  static InstanceCodec curator() {
    return JsonInstanceCodec.CURATOR;
  }

  /**
   * Curator x-discovery JSON with a plain payload, in either of Curator's serializer modes.
   *
   * @param compatibleSerializationMode {@code true} (as {@link #curator()}, and as Curator's
   *     own default) leaves out the {@code enabled} field, so every Curator reader since 2012
   *     parses the node; {@code false} writes {@code "enabled"} (true exactly when the status
   *     is UP), as {@code JsonInstanceSerializer(payloadClass, false)} does, so Curator's
   *     {@code ServiceProvider} skips instances that are not UP — and readers older than
   *     Curator 2.12 / 3.3 fail on every node (CURATOR-394)
   * @return the Curator codec in the chosen mode
   */
  static InstanceCodec curator(boolean compatibleSerializationMode) {
    return compatibleSerializationMode ? JsonInstanceCodec.CURATOR : JsonInstanceCodec.CURATOR_WITH_ENABLED;
  }

  /**
   * The textbook layout: any child of the watched path is an instance, its data opaque bytes.
   *
   * <p>Reading: the id is the node's name (often {@code EPHEMERAL_SEQUENTIAL}, such as
   * {@code server1000000003}), {@link ServiceInstance#payload()} is the data, and when the
   * data is exactly {@code host:port} (IPv6 as {@code [::1]:9000}; surrounding whitespace
   * ignored), that is the address and port; otherwise the address is empty and the port 0.
   * Nothing else is in such a node, so the status is UP, the weight the default and the
   * registration time {@link java.time.Instant#EPOCH}. Never fails.
   *
   * <p>Writing: the instance's payload when it has one, else {@code host:port} in UTF-8. The
   * node is named by the instance id (not sequential, so that Roster can find its own node
   * again after a session expiry); zone, weight, status, metadata and the TLS port are not
   * written, because the layout has no place for them.
   *
   * @return the raw codec
   */
  static InstanceCodec raw() {
    return RawCodec.INSTANCE;
  }

  /**
   * Finagle / Twitter ServerSet JSON, read-only: {@code serviceEndpoint} {@code {host, port}}
   * is the address and port; {@code status} ALIVE is UP, STARTING is STARTING, STOPPING is
   * DRAINING and anything else (DEAD, STOPPED, WARNING, UNKNOWN or none) is OUT_OF_SERVICE,
   * as Finagle only routes to ALIVE members; {@code shard} becomes metadata {@code shard};
   * each of {@code additionalEndpoints} becomes metadata {@code endpoint.<name>} =
   * {@code host:port}. The id is the node name ({@code member_0000000007}).
   *
   * @return the read-only ServerSet codec
   */
  static InstanceCodec serverSet() {
    return ServerSetCodec.INSTANCE;
  }

  /**
   * Airbnb Nerve JSON, read-only: {@code host}, {@code port}, {@code weight} (default
   * {@value ServiceInstance#DEFAULT_WEIGHT}), {@code name} (Nerve's instance id) as metadata
   * {@code name}, and {@code labels} as metadata, except a {@code zone} label, which is the
   * zone. Nerve deletes the node of an instance that fails its checks, so every node is UP.
   * The id is the node name ({@code i-0abc_0000000042}).
   *
   * @return the read-only Nerve codec
   */
  static InstanceCodec nerve() {
    return NerveCodec.INSTANCE;
  }

  /**
   * Recognises each node's format on its own, read-only, so one view can watch a path where
   * several tools register: a JSON object with {@code serviceEndpoint} is ServerSet; one with
   * Curator's fields ({@code address}, {@code payload}, {@code registrationTimeUTC},
   * {@code serviceType}, {@code uriSpec}) is Curator / Spring Cloud; one with {@code host} is
   * Nerve; anything else, including JSON objects of no known format, is {@link #raw()} data.
   * Data that starts like a JSON object but does not parse is a format error, not raw data:
   * it is a broken instance, and the view should skip it rather than serve an instance
   * without an address.
   *
   * @return the read-only codec that recognises each node's format
   */
  static InstanceCodec detecting() {
    return DetectingCodec.INSTANCE;
  }
}
