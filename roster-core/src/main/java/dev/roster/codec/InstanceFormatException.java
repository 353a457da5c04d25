package dev.roster.codec;

/** A node's data is not an instance in the expected format; the message says why. */
public final class InstanceFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a message naming what is wrong.
   *
   * @param message what is wrong with the data
   */
  public InstanceFormatException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a message and the parser's complaint.
   *
   * @param message what is wrong with the data
   * @param cause the parser's complaint
   */
  public InstanceFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
