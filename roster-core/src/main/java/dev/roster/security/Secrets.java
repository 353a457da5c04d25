package dev.roster.security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Passwords from where secrets belong: a file (a mounted secret) or an environment variable,
 * never a command line, where every user of the machine can read them in the process list.
 * Errors name where the secret was looked for, never what it holds.
 */
public final class Secrets {
  private static final int MAX_BYTES = 64 * 1024;

  private Secrets() {}

  /**
   * The content of a file, UTF-8, without one trailing newline ({@code \n} or {@code \r\n}),
   * which editors and {@code echo} add.
   *
   * @param file the file holding the secret
   * @return the secret; the caller may wipe the array once it is used
   * @throws IllegalArgumentException if the file cannot be read, is empty, larger than 64 KiB
   *     or not UTF-8
   */
  public static char[] fromFile(Path file) {
    Objects.requireNonNull(file, "secret file");
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException("secret file " + file + ": larger than 64 KiB");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("secret file " + file + ": cannot be read (" + e.getClass().getSimpleName() + ")", e);
    }
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      int end = chars.limit();
      if (end > 0 && chars.get(end - 1) == '\n') {
        end--;
        if (end > 0 && chars.get(end - 1) == '\r') {
          end--;
        }
      }
      char[] secret = Arrays.copyOfRange(chars.array(), chars.arrayOffset(), chars.arrayOffset() + end);
      Arrays.fill(chars.array(), '\0');
      if (secret.length == 0) {
        throw new IllegalArgumentException("secret file " + file + ": is empty");
      }
      return secret;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("secret file " + file + ": not UTF-8 text", e);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * The value of an environment variable.
   *
   * @param variable the environment variable's name
   * @return the secret; the caller may wipe the array once it is used
   * @throws IllegalArgumentException if it is not set or empty
   */
  public static char[] fromEnvironment(String variable) {
    Objects.requireNonNull(variable, "environment variable");
    String value = System.getenv(variable);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("environment variable " + variable + ": not set or empty");
    }
    return value.toCharArray();
  }
}
