package dev.roster.agent;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Who may do what over HTTP: the agent's bearer tokens, kept only as SHA-256 digests, and the
 * rule of which requests need which.
 *
 * <p>A presented token is hashed and compared with {@link MessageDigest#isEqual}, so neither
 * its content nor its length shows in how long the answer takes; both digests are always
 * compared, so neither does which token it was. No token, or part of one, is ever put in a
 * message, a log line or {@link #toString()}.
 */
final class Access {
  /** What a request needs. */
  enum Need {
    /** {@code /health} and the dashboard's own files, which hold no registry data. */
    NONE,
    /** Every other GET or HEAD: the API's reads, event streams and {@code /metrics}. */
    READ,
    /** Everything else: PUT, DELETE and any other method. */
    WRITE
  }

  /** Why a request is refused, or null when it may go on. */
  record Refusal(int status, String message, String challenge) {}

  private static final int MIN_LENGTH = 16;
  private static final int MAX_LENGTH = 4096;
  private static final String REALM = "Bearer realm=\"roster\"";

  private final byte @Nullable [] write;
  private final byte @Nullable [] read;

  private Access(byte @Nullable [] write, byte @Nullable [] read) {
    this.write = write;
    this.read = read;
  }

  static Access of(byte @Nullable [] writeDigest, byte @Nullable [] readDigest) {
    if (readDigest != null && writeDigest == null) {
      throw new IllegalArgumentException("read token without a write token: writes would be open while reads"
          + " are not; set a write token too (roster up --token-file)");
    }
    if (readDigest != null && MessageDigest.isEqual(readDigest, writeDigest)) {
      throw new IllegalArgumentException("read token: the same as the write token, so every reader could write;"
          + " use two different tokens");
    }
    return new Access(writeDigest, readDigest);
  }

  boolean protectsWrites() {
    return write != null;
  }

  boolean protectsReads() {
    return read != null;
  }

  /**
   * The SHA-256 of a token, after checking that it can be sent as a bearer token at all. The
   * caller's array is left as it was; the copies made here are wiped.
   *
   * @throws IllegalArgumentException naming the token, never showing it
   */
  static byte[] digest(String which, char[] token) {
    if (token.length < MIN_LENGTH || token.length > MAX_LENGTH) {
      throw new IllegalArgumentException(which + ": must be " + MIN_LENGTH + " to " + MAX_LENGTH
          + " characters (for example: openssl rand -hex 32)");
    }
    int end = token.length;
    while (end > 0 && token[end - 1] == '=') {
      end--;
    }
    boolean ok = end > 0;
    for (int i = 0; i < end && ok; i++) {
      char c = token[i];
      ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }
    if (!ok) {
      throw new IllegalArgumentException(which + ": must be letters, digits and - . _ ~ + / (then any '='),"
          + " as a bearer token is (RFC 6750); it has another character");
    }
    ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(token));
    try {
      MessageDigest sha = sha256();
      sha.update(bytes.duplicate());
      return sha.digest();
    } finally {
      if (bytes.hasArray()) {
        Arrays.fill(bytes.array(), (byte) 0);
      }
    }
  }

  /** Null if a request with this {@code Authorization} header may have what it needs. */
  @Nullable Refusal check(Need need, @Nullable String authorization) {
    if (need == Need.NONE || (need == Need.READ && read == null) || (need == Need.WRITE && write == null)) {
      return null;
    }
    String what = need == Need.WRITE ? "writes" : "reads";
    String token = bearer(authorization);
    if (token == null) {
      return new Refusal(401, "missing bearer token: " + what + " on this agent need an Authorization: Bearer"
          + " header", REALM);
    }
    byte[] presented = sha256().digest(token.getBytes(StandardCharsets.UTF_8));
    boolean isWrite = write != null && MessageDigest.isEqual(presented, write);
    boolean isRead = read != null && MessageDigest.isEqual(presented, read);
    if (isWrite || (need == Need.READ && isRead)) {
      return null;
    }
    if (isRead) {
      return new Refusal(403, "the read token cannot write: writes need the write token",
          REALM + ", error=\"insufficient_scope\"");
    }
    return new Refusal(401, "bearer token not accepted", REALM + ", error=\"invalid_token\"");
  }

  /** The token of an {@code Authorization: Bearer} header, or null without one. */
  private static @Nullable String bearer(@Nullable String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.trim();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = value.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return write == null ? "open" : read == null ? "writes need a token" : "reads and writes need a token";
  }
}
