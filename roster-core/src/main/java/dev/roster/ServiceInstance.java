package dev.roster;

import dev.roster.internal.Validation;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One running copy of a service: where it listens and what callers should know about it.
 *
 * <p>An immutable value. Build one with {@link #builder(String)}, which checks every field
 * before anything reaches ZooKeeper; change one with {@link #toBuilder()}. Instances read
 * from ZooKeeper are built leniently (a node written by another tool may carry a name that
 * the builder would refuse), so {@link Roster#register} checks again before writing.
 *
 * @param service the service name, such as {@code payments}
 * @param id the instance id, unique within the service; the znode's name
 * @param address the host name or IP address callers connect to
 * @param port the plain-text port, 1–65535 (0 only for nodes written by other tools that had none)
 * @param sslPort the TLS port, or 0 when there is none
 * @param zone the availability zone, or {@code null} when unknown
 * @param weight the relative share of traffic for weighted strategies, 0–1,000,000; default 100
 * @param metadata free-form string attributes; an unmodifiable, insertion-ordered map
 * @param status whether the instance takes traffic; only {@link Status#UP} is picked
 * @param registeredAt when the instance was first registered ({@link Instant#EPOCH} when the
 *     node does not say, as in the raw, ServerSet and Nerve layouts)
 * @param uriSpec how to build a URI for the instance, in Curator's {@code UriSpec} syntax
 *     (variables in braces, such as {@value #DEFAULT_URI_SPEC}, which is the default, as
 *     Spring Cloud Zookeeper writes it); {@code null} when the node has none
 * @param serviceType how the node lives, in Curator's terms; {@link ServiceType#DYNAMIC}
 *     (an ephemeral node) for everything Roster registers and for every non-Curator format
 * @param payload opaque bytes for layouts whose data Roster does not interpret: the whole
 *     node data for {@link dev.roster.codec.InstanceCodec#raw()}, what that codec writes;
 *     empty for the JSON formats, whose payload maps to zone, weight, status and metadata
 */
public record ServiceInstance(
    String service,
    String id,
    String address,
    int port,
    int sslPort,
    @Nullable String zone,
    int weight,
    Map<String, String> metadata,
    Status status,
    Instant registeredAt,
    @Nullable String uriSpec,
    ServiceType serviceType,
    Bytes payload) {

  /** The weight an instance gets when none is set. */
  public static final int DEFAULT_WEIGHT = 100;

  /** The URI spec an instance gets when none is set: what Spring Cloud Zookeeper writes. */
  public static final String DEFAULT_URI_SPEC = "{scheme}://{address}:{port}";

  /** Whether an instance takes traffic. Selectors pick only {@link #UP} instances. */
  public enum Status {
    /** Serving; eligible for selection. */
    UP,
    /** Finishing in-flight work before it leaves; not picked for new work. */
    DRAINING,
    /** Registered but deliberately not serving (Spring Cloud's OUT_OF_SERVICE). */
    OUT_OF_SERVICE,
    /** Registered early, not yet ready to serve. */
    STARTING
  }

  /**
   * How a node lives, in Curator x-discovery's terms. Roster registers ephemeral nodes only,
   * so everything it writes is {@link #DYNAMIC}; the other values are read from nodes that
   * Curator wrote.
   */
  public enum ServiceType {
    /** An ephemeral node: gone when its owner's session ends. */
    DYNAMIC,
    /** Curator's {@code STATIC}: a persistent node, registered without a live owner. */
    STATIC,
    /** Curator's {@code PERMANENT}: a persistent node that stays until deleted. */
    PERMANENT,
    /** An ephemeral node whose name ends in a sequence number. */
    DYNAMIC_SEQUENTIAL
  }

  /**
   * Copies the metadata and checks that nothing is null; field rules are the builder's.
   *
   * @param service the service name
   * @param id the instance id, unique within the service
   * @param address the host name or IP address callers connect to
   * @param port the plain-text port
   * @param sslPort the TLS port, or 0 when there is none
   * @param zone the availability zone, or {@code null} when unknown
   * @param weight the relative share of traffic
   * @param metadata free-form string attributes; copied, and {@code null} is read as empty
   * @param status whether the instance takes traffic
   * @param registeredAt when the instance was first registered
   * @param uriSpec the URI spec, or {@code null} when the node has none
   * @param serviceType how the node lives
   * @param payload opaque bytes; {@link Bytes#EMPTY} for none
   */
  public ServiceInstance {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(registeredAt, "registeredAt");
    Objects.requireNonNull(serviceType, "serviceType");
    Objects.requireNonNull(payload, "payload");
    metadata = metadata == null || metadata.isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * An instance with the builder's defaults for the URI spec ({@value #DEFAULT_URI_SPEC}),
   * the service type ({@link ServiceType#DYNAMIC}) and the payload (empty). Like the
   * canonical constructor it checks only for nulls; use {@link #builder} for checked values.
   *
   * @param service the service name
   * @param id the instance id, unique within the service
   * @param address the host name or IP address callers connect to
   * @param port the plain-text port
   * @param sslPort the TLS port, or 0 when there is none
   * @param zone the availability zone, or {@code null} when unknown
   * @param weight the relative share of traffic
   * @param metadata free-form string attributes; copied, and {@code null} is read as empty
   * @param status whether the instance takes traffic
   * @param registeredAt when the instance was first registered
   */
  public ServiceInstance(String service, String id, String address, int port, int sslPort,
      @Nullable String zone, int weight, Map<String, String> metadata, Status status, Instant registeredAt) {
    this(service, id, address, port, sslPort, zone, weight, metadata, status, registeredAt,
        DEFAULT_URI_SPEC, ServiceType.DYNAMIC, Bytes.EMPTY);
  }

  /**
   * Starts an instance of {@code service}; the id defaults to a random UUID.
   *
   * @param service the service name; checked at once
   * @return a builder for an instance of {@code service}
   */
  public static Builder builder(String service) {
    return new Builder(service);
  }

  /**
   * A builder holding this instance's fields, for copy-and-modify. The service type is not
   * carried over: what a builder builds is for Roster to register, so it is always
   * {@link ServiceType#DYNAMIC}.
   *
   * @return a new builder holding this instance's fields
   */
  public Builder toBuilder() {
    Builder b = new Builder(service);
    b.id = id;
    b.address = address;
    b.port = port;
    b.sslPort = sslPort;
    b.zone = zone;
    b.weight = weight;
    b.metadata.putAll(metadata);
    b.status = status;
    b.registeredAt = registeredAt;
    b.uriSpec = uriSpec;
    b.payload = payload;
    return b;
  }

  /**
   * True when {@link #status()} is {@link Status#UP}.
   *
   * @return whether the instance takes traffic
   */
  public boolean isUp() {
    return status == Status.UP;
  }

  /**
   * {@code address:port}, with IPv6 literals in brackets.
   *
   * @return the address and port to connect to, such as {@code 10.0.0.7:8080} or {@code [::1]:8080}
   */
  public String hostPort() {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }

  /**
   * Checks every field against the writer's rules, as {@link Builder#build()} does.
   *
   * @return this instance, unchanged
   * @throws IllegalArgumentException naming the first field that is wrong
   */
  public ServiceInstance validate() {
    Validation.name("service name", service);
    Validation.name("instance id", id);
    Validation.address(address);
    Validation.port("port", port);
    if (sslPort != 0) {
      Validation.port("ssl port", sslPort);
    }
    if (zone != null) {
      Validation.label("zone", zone);
    }
    Validation.weight(weight);
    metadata.forEach((k, v) -> {
      Validation.metadataKey(k);
      Validation.metadataValue(k, v);
    });
    if (uriSpec != null) {
      Validation.uriSpec(uriSpec);
    }
    if (serviceType != ServiceType.DYNAMIC) {
      throw new IllegalArgumentException("service type " + serviceType
          + ": Roster registers ephemeral nodes only; expected DYNAMIC");
    }
    return this;
  }

  /** Builds {@link ServiceInstance}s; every setter checks its argument at once. */
  public static final class Builder {
    private final String service;
    private String id;
    private @Nullable String address;
    private int port;
    private int sslPort;
    private @Nullable String zone;
    private int weight = DEFAULT_WEIGHT;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private Status status = Status.UP;
    private @Nullable Instant registeredAt;
    private @Nullable String uriSpec = DEFAULT_URI_SPEC;
    private Bytes payload = Bytes.EMPTY;

    private Builder(String service) {
      this.service = Validation.name("service name", service);
      this.id = UUID.randomUUID().toString();
    }

    /**
     * The instance id; default a random UUID.
     *
     * @param id the instance id, unique within the service
     * @return this builder
     */
    public Builder id(String id) {
      this.id = Validation.name("instance id", id);
      return this;
    }

    /**
     * The host name or IP address callers connect to. Required.
     *
     * @param address the host name or IP address
     * @return this builder
     */
    public Builder address(String address) {
      this.address = Validation.address(address);
      return this;
    }

    /**
     * The plain-text port, 1–65535. Required.
     *
     * @param port the plain-text port
     * @return this builder
     */
    public Builder port(int port) {
      this.port = Validation.port("port", port);
      return this;
    }

    /**
     * The TLS port, 1–65535, or 0 for none (the default).
     *
     * @param sslPort the TLS port, or 0 for none
     * @return this builder
     */
    public Builder sslPort(int sslPort) {
      this.sslPort = sslPort == 0 ? 0 : Validation.port("ssl port", sslPort);
      return this;
    }

    /**
     * The availability zone, or {@code null} for unknown.
     *
     * @param zone the availability zone, or {@code null}
     * @return this builder
     */
    public Builder zone(@Nullable String zone) {
      this.zone = zone == null ? null : Validation.label("zone", zone);
      return this;
    }

    /**
     * The relative share of traffic, 0–1,000,000; default {@value ServiceInstance#DEFAULT_WEIGHT}.
     *
     * @param weight the relative share of traffic
     * @return this builder
     */
    public Builder weight(int weight) {
      this.weight = Validation.weight(weight);
      return this;
    }

    /**
     * Adds or replaces one metadata entry.
     *
     * @param key the metadata key
     * @param value the value to store under {@code key}
     * @return this builder
     */
    public Builder metadata(String key, String value) {
      metadata.put(Validation.metadataKey(key), Validation.metadataValue(key, value));
      return this;
    }

    /**
     * Adds or replaces every entry of {@code entries}.
     *
     * @param entries the entries to add; each is checked as {@link #metadata(String, String)}
     *     checks it
     * @return this builder
     */
    public Builder metadata(Map<String, String> entries) {
      entries.forEach(this::metadata);
      return this;
    }

    /**
     * Removes every metadata entry.
     *
     * @return this builder
     */
    public Builder clearMetadata() {
      metadata.clear();
      return this;
    }

    /**
     * The status; default {@link Status#UP}.
     *
     * @param status the status to register with
     * @return this builder
     */
    public Builder status(Status status) {
      this.status = Objects.requireNonNull(status, "status");
      return this;
    }

    /**
     * When the instance was first registered; default the time {@link #build()} runs.
     *
     * @param registeredAt when the instance was first registered
     * @return this builder
     */
    public Builder registeredAt(Instant registeredAt) {
      this.registeredAt = Objects.requireNonNull(registeredAt, "registeredAt");
      return this;
    }

    /**
     * How clients build a URI for the instance, in Curator's {@code UriSpec} syntax: literal
     * text and variables in braces ({@code {scheme}}, {@code {address}}, {@code {port}},
     * {@code {ssl-port}}, {@code {name}}, {@code {id}}, ...; {@code {[}} and {@code {]}} for
     * literal braces). Default {@value ServiceInstance#DEFAULT_URI_SPEC}; {@code null} writes
     * none.
     *
     * @param uriSpec the URI spec, or {@code null} for none
     * @return this builder
     */
    public Builder uriSpec(@Nullable String uriSpec) {
      this.uriSpec = uriSpec == null ? null : Validation.uriSpec(uriSpec);
      return this;
    }

    /**
     * Opaque bytes to carry with the instance; default none. Only {@link
     * dev.roster.codec.InstanceCodec#raw()} writes them (as the whole node data); the JSON
     * codecs refuse to register an instance that has them rather than drop them.
     *
     * @param payload the bytes to carry
     * @return this builder
     */
    public Builder payload(Bytes payload) {
      this.payload = Objects.requireNonNull(payload, "payload");
      return this;
    }

    /**
     * Opaque bytes to carry with the instance, copied; see {@link #payload(Bytes)}.
     *
     * @param payload the bytes to carry; later changes to the array do not reach the instance
     * @return this builder
     */
    public Builder payload(byte[] payload) {
      return payload(Bytes.of(Objects.requireNonNull(payload, "payload")));
    }

    /**
     * Builds the instance.
     *
     * @return a new instance with the fields set so far and the defaults for the rest
     * @throws IllegalArgumentException if the address or port was never set
     */
    public ServiceInstance build() {
      if (address == null) {
        throw new IllegalArgumentException("address is missing: call address(...) with a host name or IP address");
      }
      if (port == 0) {
        throw new IllegalArgumentException("port is missing: call port(...) with 1-65535");
      }
      return new ServiceInstance(service, id, address, port, sslPort, zone, weight, metadata,
          status, registeredAt != null ? registeredAt : Instant.ofEpochMilli(System.currentTimeMillis()),
          uriSpec, ServiceType.DYNAMIC, payload);
    }
  }
}
