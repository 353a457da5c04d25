package dev.roster.cli;

import dev.roster.codec.InstanceCodec;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --codec}: the wire format of the nodes a command reads or writes, so that nodes other
 * tools wrote (the textbook {@code /servers} of {@code host:port} strings, Finagle, Nerve) can
 * be listed and watched from a shell.
 */
final class CodecOption {

  /** The codecs by the names the option takes. */
  enum Name {
    SPRING("spring", InstanceCodec::springCloud, "Curator JSON as Spring Cloud Zookeeper writes it (the default)"),
    CURATOR("curator", InstanceCodec::curator, "Curator JSON with a plain payload"),
    RAW("raw", InstanceCodec::raw, "the data is host:port, or opaque bytes; the node name is the id"),
    SERVERSET("serverset", InstanceCodec::serverSet, "Finagle ServerSet JSON, read-only"),
    NERVE("nerve", InstanceCodec::nerve, "Airbnb Nerve JSON, read-only"),
    DETECT("detect", InstanceCodec::detecting, "each node's format recognised on its own, read-only");

    final String label;
    private final Supplier<InstanceCodec> factory;
    final String description;

    Name(String label, Supplier<InstanceCodec> factory, String description) {
      this.label = label;
      this.factory = factory;
      this.description = description;
    }

    InstanceCodec codec() {
      return factory.get();
    }

    static String labels() {
      return Arrays.stream(values()).map(n -> n.label).collect(Collectors.joining(", "));
    }

    static String writable() {
      return Arrays.stream(values()).filter(n -> n.codec().canEncode()).map(n -> n.label)
          .collect(Collectors.joining(", "));
    }
  }

  /** Reads {@code raw}, {@code RAW}, {@code ServerSet}; says which names exist otherwise. */
  static final class Converter implements ITypeConverter<Name> {
    @Override
    public Name convert(String value) {
      String text = value.trim().toLowerCase(Locale.ROOT);
      for (Name name : Name.values()) {
        if (name.label.equals(text)) {
          return name;
        }
      }
      throw new TypeConversionException("'" + value + "' is not a codec; expected one of " + Name.labels());
    }
  }

  @Option(
      names = "--codec",
      paramLabel = "NAME",
      defaultValue = "spring",
      converter = Converter.class,
      description = "The nodes' format: spring (default), curator, raw (host:port strings, as in the textbook "
          + "/servers layout), serverset, nerve or detect (each node recognised on its own). "
          + "serverset, nerve and detect only read.")
  Name name;

  InstanceCodec codec() {
    return name.codec();
  }

  /**
   * The codec, for a command that writes; a read-only one is bad input, refused before
   * anything is sent.
   */
  InstanceCodec writableCodec() {
    InstanceCodec codec = codec();
    if (!codec.canEncode()) {
      throw new IllegalArgumentException("--codec " + name.label + ": only reads (" + name.description
          + "), so it cannot register; use one of " + Name.writable());
    }
    return codec;
  }
}
