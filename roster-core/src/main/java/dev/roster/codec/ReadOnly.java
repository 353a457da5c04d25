package dev.roster.codec;

import dev.roster.ServiceInstance;

/** The one message every read-only codec refuses to write with. */
final class ReadOnly {
  private ReadOnly() {}

  static UnsupportedOperationException refuse(InstanceCodec codec, ServiceInstance instance) {
    return new UnsupportedOperationException("codec '" + codec.name() + "' is read-only: it cannot write instance '"
        + instance.service() + "/" + instance.id() + "'; register with InstanceCodec.springCloud(), curator() or raw()");
  }
}
