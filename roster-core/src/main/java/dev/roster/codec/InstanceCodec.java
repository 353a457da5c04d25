package dev.roster.codec;

import dev.roster.ServiceInstance;
import dev.roster.internal.JsonInstanceCodec;

/**
 * Turns a {@link ServiceInstance} into a znode's bytes and back.
 *
 * <p>Writers choose a form; readers of both JSON codecs accept every form, so a cluster can
 * mix Spring Cloud Zookeeper, plain Curator and Roster clients. Decoding never instantiates
 * a class named by the data: {@code "@class"} is read as a plain string.
 */
public interface InstanceCodec {

  /** A short name for logs and messages, such as {@code "spring-cloud"}. */
  String name();

  /** Serializes an instance. */
  byte[] encode(ServiceInstance instance);

  /**
   * Reads an instance from a node's data.
   *
   * @param service the service the node belongs to (its parent's name)
   * @param nodeName the node's own name, used as the id when the data has none
   * @param data the node's bytes
   * @throws InstanceFormatException if the data is not an instance in this codec's format
   */
  ServiceInstance decode(String service, String nodeName, byte[] data);

  /**
   * Curator x-discovery JSON with the payload as Spring Cloud Zookeeper writes it
   * ({@code "@class"} naming its {@code ZookeeperInstance}, attributes in {@code metadata},
   * status as {@code instance_status}). The default.
   */
  static InstanceCodec springCloud() {
    return JsonInstanceCodec.SPRING_CLOUD;
  }

  /**
   * Curator x-discovery JSON with the payload as a plain JSON object, which a Curator reader
   * with a {@code Map} payload type can parse.
   */
  static InstanceCodec curator() {
    return JsonInstanceCodec.CURATOR;
  }
}
