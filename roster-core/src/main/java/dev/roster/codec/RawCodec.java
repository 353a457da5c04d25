package dev.roster.codec;

import dev.roster.Bytes;
import dev.roster.ServiceInstance;
import dev.roster.ServiceInstance.ServiceType;
import dev.roster.ServiceInstance.Status;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The textbook layout: data is opaque bytes, the id is the node name; see {@link InstanceCodec#raw()}. */
final class RawCodec implements InstanceCodec {
  static final RawCodec INSTANCE = new RawCodec();

  private RawCodec() {}

  /** An address and port parsed from {@code host:port} data. */
  record HostPort(String host, int port) {}

  @Override
  public String name() {
    return "raw";
  }

  @Override
  public byte[] encode(ServiceInstance instance) {
    if (!instance.payload().isEmpty()) {
      return instance.payload().toByteArray();
    }
    return instance.hostPort().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public ServiceInstance decode(String service, String nodeName, byte[] data) {
    return decodeRaw(service, nodeName, data);
  }

  static ServiceInstance decodeRaw(String service, String nodeName, byte @Nullable [] data) {
    Bytes payload = data == null ? Bytes.EMPTY : Bytes.of(data);
    HostPort hp = data == null ? null : parseHostPort(data);
    return new ServiceInstance(service, nodeName, hp == null ? "" : hp.host(), hp == null ? 0 : hp.port(), 0,
        null, ServiceInstance.DEFAULT_WEIGHT, Map.of(), Status.UP, Instant.EPOCH, null, ServiceType.DYNAMIC,
        payload);
  }

  /**
   * Parses data that is exactly {@code host:port} or {@code [v6-literal]:port}, give or take
   * surrounding whitespace (a newline from {@code echo} is common); null for anything else.
   * The host must be a plausible name or IP literal: no whitespace, control characters,
   * '/', or bytes outside printable ASCII, so JSON, binary data and URLs are never mistaken
   * for an address.
   */
  static @Nullable HostPort parseHostPort(byte[] data) {
    if (data.length == 0 || data.length > 300) {
      return null;
    }
    String text = new String(data, StandardCharsets.US_ASCII).strip();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '/' || c == '{' || c == '"' || c == '@') {
        return null;
      }
    }
    for (byte b : data) {
      if (b < 0) {
        return null; // not ASCII: US_ASCII decoding would have hidden it behind U+FFFD
      }
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      return null;
    }
    String host = text.substring(0, colon);
    String portText = text.substring(colon + 1);
    if (portText.length() > 5 || !portText.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      return null;
    }
    int port = Integer.parseInt(portText);
    if (port < 1 || port > 65535) {
      return null;
    }
    if (host.startsWith("[")) {
      if (!host.endsWith("]") || host.length() < 3) {
        return null;
      }
      host = host.substring(1, host.length() - 1);
      if (host.indexOf(':') < 0) {
        return null;
      }
    } else if (host.indexOf(':') >= 0 || host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
      return null; // a bare IPv6 literal is ambiguous with host:port
    }
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    return "InstanceCodec.raw()";
  }
}
