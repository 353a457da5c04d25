package dev.roster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import org.jspecify.annotations.Nullable;

/**
 * SASL (DIGEST-MD5) for tests, with no KDC: the JVM options that make ZooKeeper servers take it,
 * and client login contexts installed in this JVM for as long as the test runs.
 *
 * <p>Both sides are JVM-wide in ZooKeeper: the servers read a JAAS file and their SASL provider
 * from system properties, so they run as child processes ({@code
 * dev.roster.embedded.LocalEnsemble.builder().jvmOptions(SaslLogins.serverJvmOptions(...))}). The
 * client reads login contexts from {@link Configuration#getConfiguration()} and refuses
 * DIGEST-MD5 in FIPS mode (its default), so {@link #install} sets both, and {@link #close} puts
 * back what was there. Use it from one test class at a time; test classes in one JVM run one
 * after another under Maven's default settings.
 */
public final class SaslLogins implements AutoCloseable {
  /** ZooKeeper's login module for DIGEST-MD5, on both sides. */
  private static final String DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";
  private static final String FIPS = "zookeeper.fips-mode";

  /** A user name and password for a client login context. */
  public record Login(String user, String password) {
    /**
     * A login.
     *
     * @param user the user name, as the servers' JAAS file names it
     * @param password its password
     */
    public Login {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
    }
  }

  private final @Nullable Configuration previous;
  private final @Nullable String previousFips;
  private boolean closed;

  private SaslLogins(@Nullable Configuration previous, @Nullable String previousFips) {
    this.previous = previous;
    this.previousFips = previousFips;
  }

  /**
   * Writes a JAAS file whose {@code Server} section holds these DIGEST-MD5 users, and returns the
   * options a server JVM needs to take SASL with it: the file and ZooKeeper's SASL provider.
   *
   * @param dir an existing directory for the file
   * @param users user name to password
   * @return the JVM options, for {@code LocalEnsemble.Builder.jvmOptions}
   * @throws UncheckedIOException if the file cannot be written
   */
  public static List<String> serverJvmOptions(Path dir, Map<String, String> users) {
    StringBuilder jaas = new StringBuilder("Server {\n  " + DIGEST_LOGIN_MODULE + " required");
    users.forEach((user, password) -> jaas.append("\n  user_").append(user).append("=\"").append(password)
        .append('"'));
    jaas.append(";\n};\n");
    Path file = dir.resolve("server-jaas.conf");
    try {
      Files.writeString(file, jaas, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return List.of("-Djava.security.auth.login.config=" + file,
        "-Dzookeeper.authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
  }

  /**
   * Installs these client login contexts in front of the JVM's JAAS configuration, and turns
   * ZooKeeper's FIPS mode off, until {@link #close}. Clients built meanwhile can log in as them.
   *
   * @param contexts login context name to its login
   * @return what to close to put the JVM back
   */
  public static SaslLogins install(Map<String, Login> contexts) {
    Map<String, Login> copy = new LinkedHashMap<>(contexts);
    Configuration previous;
    try {
      previous = Configuration.getConfiguration();
    } catch (SecurityException e) {
      previous = null; // this JVM has no JAAS configuration
    }
    Configuration fallback = previous;
    Configuration.setConfiguration(new Configuration() {
      @Override
      public AppConfigurationEntry @Nullable [] getAppConfigurationEntry(String name) {
        Login login = copy.get(name);
        if (login == null) {
          return fallback == null ? null : fallback.getAppConfigurationEntry(name);
        }
        return new AppConfigurationEntry[] {new AppConfigurationEntry(DIGEST_LOGIN_MODULE,
            AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
            Map.of("username", login.user(), "password", login.password()))};
      }
    });
    return new SaslLogins(previous, System.setProperty(FIPS, "false"));
  }

  /** Puts back the JAAS configuration and the FIPS switch as they were. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Configuration.setConfiguration(previous);
    if (previousFips == null) {
      System.clearProperty(FIPS);
    } else {
      System.setProperty(FIPS, previousFips);
    }
  }
}
