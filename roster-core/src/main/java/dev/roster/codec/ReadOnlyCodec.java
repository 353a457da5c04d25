package dev.roster.codec;

import dev.roster.ServiceInstance;

/** A codec that only reads: it names itself, and refuses every write with one message. */
abstract class ReadOnlyCodec implements InstanceCodec {
  private final String name;

  ReadOnlyCodec(String name) {
    this.name = name;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final boolean canEncode() {
    return false;
  }

  @Override
  public final byte[] encode(ServiceInstance instance) {
    throw new UnsupportedOperationException("codec '" + name + "' is read-only: it cannot write instance '"
        + instance.service() + "/" + instance.id() + "'; register with InstanceCodec.springCloud(), curator() or raw()");
  }
}
