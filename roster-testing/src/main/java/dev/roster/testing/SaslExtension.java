package dev.roster.testing;

import dev.roster.embedded.LocalEnsemble;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that gives a test class ZooKeeper servers taking SASL (DIGEST-MD5, no KDC)
 * and client login contexts for them: a local ensemble of three child processes whose JAAS file
 * holds the given users, and the logins installed in this JVM while the class runs ({@link
 * SaslLogins}, which says why both sides are set this way).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final SaslExtension sasl = SaslExtension.users(Map.of("payments", "s3cret"))
 *     .login("Payments", "payments", "s3cret");
 *
 * Roster.builder().connectString(sasl.connectString())
 *     .authentication(Authentication.sasl("Payments")).build();
 * }</pre>
 *
 * <p>Register it on a static field: the servers start before the class's first test and stop
 * after its last.
 */
public final class SaslExtension implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, String> users;
  private final Map<String, SaslLogins.Login> logins = new LinkedHashMap<>();
  private @Nullable Path dir;
  private @Nullable LocalEnsemble ensemble;
  private @Nullable SaslLogins installed;

  private SaslExtension(Map<String, String> users) {
    this.users = Map.copyOf(users);
  }

  /**
   * Servers that know these DIGEST-MD5 users.
   *
   * @param users user name to password
   * @return the extension, to add client logins to
   */
  public static SaslExtension users(Map<String, String> users) {
    return new SaslExtension(Objects.requireNonNull(users, "users"));
  }

  /**
   * Adds a client login context, installed while the class runs; its user need not be one the
   * servers know, to test a refused login.
   *
   * @param context the JAAS login context's name, as given to {@code Authentication.sasl}
   * @param user the user name
   * @param password the password
   * @return this extension
   */
  public SaslExtension login(String context, String user, String password) {
    logins.put(Objects.requireNonNull(context, "context"), new SaslLogins.Login(user, password));
    return this;
  }

  /**
   * The servers' connect string.
   *
   * @return {@code host:port,...}
   * @throws IllegalStateException outside the class's tests
   */
  public String connectString() {
    LocalEnsemble running = ensemble;
    if (running == null) {
      throw new IllegalStateException("the SASL servers are not running: register the extension on a static field");
    }
    return running.connectString();
  }

  /**
   * Starts the servers and installs the logins.
   *
   * @param context the class's context
   * @throws IOException if the JAAS file's directory cannot be made
   */
  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("roster-sasl-");
    ensemble = LocalEnsemble.builder().size(3).tickTime(Duration.ofMillis(200))
        .jvmOptions(SaslLogins.serverJvmOptions(dir, users)).start();
    installed = SaslLogins.install(logins);
  }

  /**
   * Puts the JVM's logins back, stops the servers and deletes the JAAS file.
   *
   * @param context the class's context
   */
  @Override
  public void afterAll(ExtensionContext context) {
    if (installed != null) {
      installed.close();
      installed = null;
    }
    if (ensemble != null) {
      ensemble.close();
      ensemble = null;
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + dir, e);
      }
      dir = null;
    }
  }
}
