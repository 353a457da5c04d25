package dev.roster;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable sequence of bytes, compared by content: the opaque data of an instance whose
 * node Roster does not interpret (see {@link ServiceInstance#payload()}).
 *
 * <p>A {@code byte[]} would make {@link ServiceInstance} mutable and its {@code equals} compare
 * array identity; this wrapper copies on the way in and on the way out, so two instances read
 * from equal node data are equal.
 */
public final class Bytes {
  /** No bytes. */
  public static final Bytes EMPTY = new Bytes(new byte[0]);

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final byte[] bytes;
  private int hash; // 0 until computed; racy single-check is fine for an immutable array

  private Bytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * A copy of {@code bytes}; later changes to the array do not show.
   *
   * @param bytes the bytes to copy
   * @return the copy; {@link #EMPTY} for an empty array
   */
  public static Bytes of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
  }

  /**
   * The UTF-8 encoding of {@code text}.
   *
   * @param text the text to encode
   * @return the encoded bytes; {@link #EMPTY} for an empty string
   */
  public static Bytes ofUtf8(String text) {
    Objects.requireNonNull(text, "text");
    return text.isEmpty() ? EMPTY : new Bytes(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * How many bytes there are.
   *
   * @return the number of bytes
   */
  public int size() {
    return bytes.length;
  }

  /**
   * True when there are no bytes.
   *
   * @return whether there are no bytes
   */
  public boolean isEmpty() {
    return bytes.length == 0;
  }

  /**
   * A fresh copy of the bytes, which the caller may change.
   *
   * @return a new array holding the bytes
   */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /**
   * The bytes decoded as UTF-8, with malformed sequences replaced by U+FFFD.
   *
   * @return the decoded text
   */
  public String toUtf8() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * True when the bytes are well-formed UTF-8 (so {@link #toUtf8()} loses nothing).
   *
   * @return whether the bytes are well-formed UTF-8
   */
  public boolean isUtf8() {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof Bytes other && Arrays.equals(bytes, other.bytes));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0 && bytes.length > 0) {
      h = Arrays.hashCode(bytes);
      hash = h;
    }
    return h;
  }

  /**
   * The size and the content: as text when it is printable ASCII, else as hex; cut after 64
   * bytes, because a payload can be large and this ends up in logs.
   */
  @Override
  public String toString() {
    int shown = Math.min(bytes.length, 64);
    String more = bytes.length > shown ? "..." : "";
    if (isPrintableAscii(shown)) {
      return "Bytes[" + bytes.length + ": '" + new String(bytes, 0, shown, StandardCharsets.US_ASCII) + more + "']";
    }
    StringBuilder hex = new StringBuilder(shown * 2);
    for (int i = 0; i < shown; i++) {
      hex.append(HEX[(bytes[i] >> 4) & 0xf]).append(HEX[bytes[i] & 0xf]);
    }
    return "Bytes[" + bytes.length + ": 0x" + hex + more + "]";
  }

  private boolean isPrintableAscii(int limit) {
    for (int i = 0; i < limit; i++) {
      if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
