package dev.roster.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The port an {@link EmbeddedZooKeeper} or a {@link LocalEnsemble} member was asked to listen on
 * is already taken on 127.0.0.1, by another process or another server in this JVM. Choose another
 * port, or port 0 to let a free one be picked.
 */
public final class PortInUseException extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  /** The port that could not be bound. */
  private final int port;

  /**
   * Creates the exception for {@code port}, keeping the bind failure as the cause.
   *
   * @param port the port that could not be bound
   * @param cause the failure reported by the operating system
   */
  public PortInUseException(int port, IOException cause) {
    super("port " + port + " on 127.0.0.1 is already in use", cause);
    this.port = port;
  }

  /**
   * Returns the port that could not be bound.
   *
   * @return the port, 1 to 65535
   */
  public int port() {
    return port;
  }
}
