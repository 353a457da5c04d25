package dev.roster.internal;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reaches the secrets inside {@code dev.roster.security.Authentication} and {@code Tls}, which
 * their public API never hands out. Set once by their static initializers, read only where a
 * ZooKeeper client is configured. Typed {@code Object} so that it depends on nothing in
 * Roster and closes no package cycle (the architecture test holds it a leaf). Not an API.
 */
public final class SecurityAccess {
  private static volatile @Nullable Function<Object, byte[]> credentials;
  private static volatile @Nullable Function<Object, char[]> trustPassword;
  private static volatile @Nullable Function<Object, char @Nullable []> keyPassword;

  private SecurityAccess() {}

  /** Called once by {@code Authentication}'s static initializer. */
  public static void setCredentials(Function<Object, byte[]> accessor) {
    credentials = accessor;
  }

  /** Called once by {@code Tls}'s static initializer. */
  public static void setTlsPasswords(Function<Object, char[]> trust, Function<Object, char @Nullable []> key) {
    trustPassword = trust;
    keyPassword = key;
  }

  // The accessors are set: an instance exists, so its class was initialized.

  /** A copy of the bytes an identity authenticates with ({@code user:password} for digest). */
  static byte[] credentials(Object authentication) {
    return credentials.apply(authentication);
  }

  static char[] trustPassword(Object tls) {
    return trustPassword.apply(tls);
  }

  static char @Nullable [] keyPassword(Object tls) {
    return keyPassword.apply(tls);
  }
}
