package dev.roster.embedded;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The one address every server here listens on, and every check of a port uses. */
final class Loopback {
  static final String ADDRESS = "127.0.0.1";

  private Loopback() {}

  /** The address as an {@link InetAddress}; a literal, so no name lookup happens. */
  static InetAddress inetAddress() {
    try {
      return InetAddress.getByName(ADDRESS);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("cannot parse " + ADDRESS, e);
    }
  }
}
