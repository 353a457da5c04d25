package dev.roster.internal;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Input checks shared by every entry point. Writers are strict (a name must be safe as one
 * ZooKeeper path component in every tool that reads it); readers use none of this.
 *
 * <p>Messages follow one shape, so a user can grep for them: the field as a word, the value
 * quoted and escaped, then what was expected — {@code service name 'a/b': must match
 * [A-Za-z0-9._:-]{1,255}}.
 */
public final class Validation {
  /** The characters allowed in service names and instance ids. */
  public static final String NAME_RULE = "[A-Za-z0-9._:-]{1,255}";

  private static final Pattern NAME = Pattern.compile(NAME_RULE);

  /** Default cap on a serialized instance. */
  public static final int DEFAULT_MAX_INSTANCE_BYTES = 64 * 1024;

  /** ZooKeeper's default {@code jute.maxbuffer} (0xfffff), the largest znode it accepts. */
  public static final int JUTE_MAX_BUFFER = 0xfffff;

  /** Room left for the request framing around a node's data. */
  public static final int MAX_INSTANCE_BYTES_LIMIT = JUTE_MAX_BUFFER - 4 * 1024;

  /**
   * Metadata keys a writer may not use: the Spring Cloud form carries zone, weight and status
   * in the metadata map under these keys, so every reader takes them back out as attributes.
   * The JSON codec keeps the same set (package-private, so that the codec package needs nothing
   * from this one); {@code JsonInstanceCodecTest} fails if the codec takes out a key that this
   * set lets through.
   */
  public static final Set<String> RESERVED_METADATA_KEYS = Set.of("instance_status", "zone", "weight");

  private Validation() {}

  /** Checks a service name or instance id; {@code field} names it in the message. */
  public static String name(String field, String value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is null: expected " + NAME_RULE);
    }
    if (!NAME.matcher(value).matches()) {
      String why = value.isEmpty() ? "must not be empty; expected " + NAME_RULE
          : value.length() > 255 ? "is " + value.length() + " characters long; expected " + NAME_RULE
          : "must match " + NAME_RULE;
      throw new IllegalArgumentException(field + " " + quote(value) + ": " + why);
    }
    if (value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException(
          field + " " + quote(value) + ": must not be '.' or '..' (ZooKeeper reserves them); expected " + NAME_RULE);
    }
    return value;
  }

  /**
   * Checks a name to read, which may have been written by another tool: anything ZooKeeper
   * accepts as one path component (no '/', no control characters, not '.' or '..').
   */
  public static String readableName(String field, String value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is null");
    }
    boolean bad = value.isEmpty() || value.equals(".") || value.equals("..");
    for (int i = 0; i < value.length() && !bad; i++) {
      char c = value.charAt(i);
      bad = c == '/' || c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate(c);
    }
    if (bad) {
      throw new IllegalArgumentException(field + " " + quote(value)
          + ": must be one ZooKeeper path component (non-empty, no '/', no control characters, not '.' or '..')");
    }
    return value;
  }

  /** Checks a TCP port: 1–65535. */
  public static int port(String field, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(field + " " + port + ": must be 1-65535");
    }
    return port;
  }

  /** Checks a host name or IP literal: non-empty, no whitespace or control characters. */
  public static String address(String value) {
    if (value == null) {
      throw new IllegalArgumentException("address is null: expected a host name or IP address");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException(
          "address " + quote(value) + ": must not be empty; expected a host name or IP address");
    }
    if (value.length() > 255) {
      throw new IllegalArgumentException("address " + quote(value.substring(0, 32) + "...")
          + ": is " + value.length() + " characters long; expected at most 255");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '/') {
        throw new IllegalArgumentException("address " + quote(value)
            + ": must not contain whitespace, control characters or '/'; expected a host name or IP address");
      }
    }
    return value;
  }

  /** Checks an optional free-text attribute such as a zone: at most 255 printable characters. */
  public static String label(String field, String value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is null");
    }
    if (value.isEmpty() || value.length() > 255) {
      throw new IllegalArgumentException(
          field + " " + quote(value) + ": must be 1-255 characters");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(
            field + " " + quote(value) + ": must not contain control characters");
      }
    }
    return value;
  }

  /**
   * Checks a metadata key: non-empty, at most 255 characters, no control characters, no
   * unpaired UTF-16 surrogate (JSON field names carry it as an escape that Jackson, like other
   * readers, refuses to read back, so the node would be unreadable everywhere).
   */
  public static String metadataKey(String key) {
    if (key == null) {
      throw new IllegalArgumentException("metadata key is null");
    }
    label("metadata key", key);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("metadata key " + quote(key)
            + ": must be valid text; an unpaired surrogate at index " + i + " cannot be read back from JSON");
      }
    }
    if (RESERVED_METADATA_KEYS.contains(key)) {
      throw new IllegalArgumentException("metadata key " + quote(key)
          + ": is reserved for Roster's own attribute; use the builder's zone(...), weight(...) or status(...)");
    }
    return key;
  }

  /** Checks a metadata value: not null (use an empty string for "present but empty"). */
  public static String metadataValue(String key, String value) {
    if (value == null) {
      throw new IllegalArgumentException("metadata value for key " + quote(key) + " is null");
    }
    return value;
  }

  /** Checks a weight: 0 (never picked by weighted strategies) to 1,000,000. */
  public static int weight(int weight) {
    if (weight < 0 || weight > 1_000_000) {
      throw new IllegalArgumentException("weight " + weight + ": must be 0-1000000");
    }
    return weight;
  }

  /**
   * Checks a URI spec in Curator's syntax and returns it with variable names trimmed, as
   * Curator's {@code UriSpec} parser stores them (so what is read back equals what was
   * written): at most 1024 characters, no control characters, every '{' closed by a '}'
   * before the next '{', and no empty variable. A spec Curator would reject must not reach
   * other tools' readers.
   */
  public static String uriSpec(String spec) {
    if (spec == null) {
      throw new IllegalArgumentException("uri spec is null");
    }
    String expected = "; expected text with variables in braces such as '{scheme}://{address}:{port}'"
        + " (a literal brace is '{[}' or '{]}')";
    if (spec.length() > 1024) {
      throw new IllegalArgumentException("uri spec " + quote(spec) + ": is " + spec.length()
          + " characters long; expected at most 1024");
    }
    StringBuilder normalized = new StringBuilder(spec.length());
    int open = -1;
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      if (Character.isISOControl(c)) {
        throw new IllegalArgumentException("uri spec " + quote(spec) + ": must not contain control characters");
      }
      if (c == '{') {
        if (open >= 0) {
          throw new IllegalArgumentException("uri spec " + quote(spec) + ": '{' at index " + i
              + " inside a variable" + expected);
        }
        open = i;
      } else if (c == '}') {
        if (open < 0) {
          throw new IllegalArgumentException("uri spec " + quote(spec) + ": '}' at index " + i
              + " without '{'" + expected);
        }
        String variable = spec.substring(open + 1, i).trim();
        if (variable.isEmpty()) {
          throw new IllegalArgumentException("uri spec " + quote(spec) + ": empty variable at index " + open
              + expected);
        }
        normalized.append('{').append(variable).append('}');
        open = -1;
      } else if (open < 0) {
        normalized.append(c);
      }
    }
    if (open >= 0) {
      throw new IllegalArgumentException("uri spec " + quote(spec) + ": '{' at index " + open
          + " is never closed" + expected);
    }
    return normalized.toString();
  }

  /** Checks the configured cap on serialized instances. */
  public static int maxInstanceBytes(int bytes) {
    if (bytes < 1024 || bytes > MAX_INSTANCE_BYTES_LIMIT) {
      throw new IllegalArgumentException("max instance bytes " + bytes + ": must be 1024-"
          + MAX_INSTANCE_BYTES_LIMIT + " (ZooKeeper's jute.maxbuffer less 4 KiB)");
    }
    return bytes;
  }

  /** Checks a base path: absolute, no trailing slash, every component a valid name. */
  public static String basePath(String path) {
    if (path == null) {
      throw new IllegalArgumentException("base path is null: expected an absolute path such as '/services'");
    }
    if (!path.startsWith("/") || (path.length() > 1 && path.endsWith("/"))) {
      throw new IllegalArgumentException("base path " + quote(path)
          + ": must start with '/' and not end with '/', such as '/services'");
    }
    if (path.equals("/")) {
      return path;
    }
    for (String part : path.substring(1).split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || !NAME.matcher(part).matches()) {
        throw new IllegalArgumentException("base path " + quote(path)
            + ": every component must match " + NAME_RULE + " and not be '.' or '..'");
      }
    }
    return path;
  }

  /**
   * Quotes a value for a message, escaping anything that would hide what the value really
   * is: control characters, quotes, backslashes and non-ASCII as {@code \\uXXXX}. Long
   * values are cut at 80 characters.
   */
  public static String quote(String value) {
    StringBuilder out = new StringBuilder(Math.min(value.length(), 80) + 8).append('\'');
    int limit = Math.min(value.length(), 80);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (c == '\'' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c >= 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (value.length() > limit) {
      out.append("...");
    }
    return out.append('\'').toString();
  }
}
