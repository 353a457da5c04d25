package dev.roster.testing;

import dev.roster.embedded.EmbeddedZooKeeper;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that runs a real ZooKeeper server ({@link EmbeddedZooKeeper}) on a free
 * port of 127.0.0.1 for tests, and closes it afterwards.
 *
 * <p>One server for all the tests of a class, started before the first and closed after the
 * last:
 *
 * <pre>{@code
 * @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();
 *
 * @Test void registers() {
 *   try (Roster roster = Roster.builder().connectString(zk.connectString()).build()) { ... }
 * }
 * }</pre>
 *
 * <p>A fresh server for each test: register it in an instance field instead, or declare it
 * with {@code @ExtendWith(ZooKeeperExtension.class)} and take the server as a parameter:
 *
 * <pre>{@code
 * @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();
 *
 * @ExtendWith(ZooKeeperExtension.class)
 * class SomeIT {
 *   @Test void survivesRestart(EmbeddedZooKeeper server) { ... }
 * }
 * }</pre>
 *
 * <p>Test methods, {@code @BeforeEach} and {@code @AfterEach} methods may declare an {@link
 * EmbeddedZooKeeper} parameter in every case; {@code @BeforeAll} methods only when the server
 * is per class. Register one such extension per test class: two would both offer the parameter.
 *
 * <p>The server ticks every 100 ms unless {@link #withTickTime(Duration)} says otherwise, so
 * sessions may be as short as 200 ms and as long as 2 s, and expire promptly.
 */
public final class ZooKeeperExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {
  /*
   * How the scope is decided. JUnit calls beforeAll only on extensions registered for the
   * class: static @RegisterExtension fields and @ExtendWith. For the static field we run one
   * server per class. @ExtendWith builds the extension through the private no-argument
   * constructor, and there the user cannot reach the extension to share a server, so we start
   * one per test, as for an instance field (which never sees beforeAll). A @Nested class
   * inherits the outer class's server: beforeAll finds one already running and leaves it be.
   *
   * Each server is also put in the ExtensionContext store of the scope that owns it: parameter
   * resolution looks it up there (the store searches enclosing scopes), which stays right even
   * when JUnit runs tests in parallel, and JUnit closes it from there if a callback of ours is
   * skipped.
   */

  private static final Namespace NAMESPACE = Namespace.create(ZooKeeperExtension.class);

  private static final Duration DEFAULT_TICK_TIME = Duration.ofMillis(100);

  private final Duration tickTime;
  private final boolean serverPerClassWhenStatic;

  private volatile @Nullable EmbeddedZooKeeper classServer;
  private volatile @Nullable String classServerOwner;
  private volatile @Nullable EmbeddedZooKeeper testServer;

  /** Used by JUnit for {@code @ExtendWith(ZooKeeperExtension.class)}: a server per test. */
  private ZooKeeperExtension() {
    this(DEFAULT_TICK_TIME, false);
  }

  private ZooKeeperExtension(Duration tickTime, boolean serverPerClassWhenStatic) {
    this.tickTime = tickTime;
    this.serverPerClassWhenStatic = serverPerClassWhenStatic;
  }

  /**
   * Returns an extension whose server ticks every 100 ms (sessions of 200 ms to 2 s).
   *
   * @return a new extension, for a {@code @RegisterExtension} field
   */
  public static ZooKeeperExtension create() {
    return new ZooKeeperExtension(DEFAULT_TICK_TIME, true);
  }

  /**
   * Returns an extension whose server ticks at the given rate; sessions may then last from 2 to
   * 20 ticks.
   *
   * @param tickTime at least 1 ms
   * @return a new extension, for a {@code @RegisterExtension} field
   * @throws IllegalArgumentException if the tick is shorter than 1 ms
   */
  public static ZooKeeperExtension withTickTime(Duration tickTime) {
    Objects.requireNonNull(tickTime, "tickTime");
    if (tickTime.toMillis() < 1) {
      throw new IllegalArgumentException("tick time " + tickTime + ": must be at least 1 ms");
    }
    return new ZooKeeperExtension(tickTime, true);
  }

  /**
   * Returns the server of the running test: the per-test server if there is one, else the
   * per-class server.
   *
   * @return the running server
   * @throws IllegalStateException if called outside the tests this extension serves
   */
  public EmbeddedZooKeeper server() {
    EmbeddedZooKeeper server = testServer;
    if (server == null) {
      server = classServer;
    }
    if (server == null) {
      throw new IllegalStateException(
          "no ZooKeeper server now: a static @RegisterExtension field has one from before the"
              + " first test of its class to after the last; an instance field or @ExtendWith"
              + " has one during each test");
    }
    return server;
  }

  /**
   * Returns the running server's connect string, {@code "127.0.0.1:PORT"}.
   *
   * @return the connect string
   * @throws IllegalStateException if called outside the tests this extension serves
   */
  public String connectString() {
    return server().connectString();
  }

  /**
   * Starts the per-class server, when registered on a static field.
   *
   * @param context the class's context
   */
  @Override
  public void beforeAll(ExtensionContext context) {
    if (!serverPerClassWhenStatic || classServer != null) {
      return;
    }
    EmbeddedZooKeeper server = startServer();
    context.getStore(NAMESPACE).put(this, server);
    classServerOwner = context.getUniqueId();
    classServer = server;
  }

  /**
   * Closes the per-class server after the last test of the class that started it.
   *
   * @param context the class's context
   */
  @Override
  public void afterAll(ExtensionContext context) {
    if (!context.getUniqueId().equals(classServerOwner)) {
      return;
    }
    EmbeddedZooKeeper server = context.getStore(NAMESPACE).remove(this, EmbeddedZooKeeper.class);
    classServer = null;
    classServerOwner = null;
    if (server != null) {
      server.close();
    }
  }

  /**
   * Starts a server for this test, unless a per-class server runs.
   *
   * @param context the test's context
   */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (classServer != null) {
      return;
    }
    EmbeddedZooKeeper server = startServer();
    context.getStore(NAMESPACE).put(this, server);
    testServer = server;
  }

  /**
   * Closes this test's server, if it has one of its own.
   *
   * @param context the test's context
   */
  @Override
  public void afterEach(ExtensionContext context) {
    if (classServer != null) {
      return;
    }
    EmbeddedZooKeeper server = context.getStore(NAMESPACE).remove(this, EmbeddedZooKeeper.class);
    testServer = null;
    if (server != null) {
      server.close();
    }
  }

  /**
   * Offers the server to parameters of type {@link EmbeddedZooKeeper}.
   *
   * @param parameterContext the parameter
   * @param extensionContext where it is asked for
   * @return whether the parameter is an {@link EmbeddedZooKeeper}
   */
  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == EmbeddedZooKeeper.class;
  }

  /**
   * Returns the server of the scope asking: the test's own, else the class's.
   *
   * @param parameterContext the parameter
   * @param extensionContext where it is asked for
   * @return the running server
   * @throws ParameterResolutionException if no server runs in that scope, as in a
   *     {@code @BeforeAll} method when servers are per test
   */
  @Override
  public EmbeddedZooKeeper resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    EmbeddedZooKeeper server =
        extensionContext.getStore(NAMESPACE).get(this, EmbeddedZooKeeper.class);
    if (server == null) {
      throw new ParameterResolutionException(
          "no ZooKeeper server for "
              + parameterContext.getDeclaringExecutable()
              + ": servers are started per test here (instance field or @ExtendWith), so"
              + " there is none yet; use a static @RegisterExtension field for a server per class");
    }
    return server;
  }

  private EmbeddedZooKeeper startServer() {
    return EmbeddedZooKeeper.builder().tickTime(tickTime).start();
  }
}
