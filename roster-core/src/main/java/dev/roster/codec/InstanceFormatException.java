package dev.roster.codec;

/** A node's data is not an instance in the expected format; the message says why. */
public final class InstanceFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming what is wrong. */
  public InstanceFormatException(String message) {
    super(message);
  }

  /** Creates the exception with a message and the parser's complaint. */
  public InstanceFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
