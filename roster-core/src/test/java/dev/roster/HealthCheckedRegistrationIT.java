package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.roster.ServiceInstance.Status;
import dev.roster.health.HealthCheck;
import dev.roster.health.HealthCheckedRegistration;
import dev.roster.health.HealthPolicy;
import dev.roster.testing.ZooKeeperExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Health-checked registration against a real ZooKeeper and a real HTTP server: an instance
 * is in the registry only while its check passes, and leaves by draining first.
 */
class HealthCheckedRegistrationIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private enum Mode { OK, FAIL, HANG }

  /**
   * Short intervals, so rise and fall play out in well under a second; a timeout long enough
   * that a loaded machine does not fail a check that should pass.
   */
  private static final HealthPolicy FAST = HealthPolicy.builder().interval(Duration.ofMillis(50))
      .timeout(Duration.ofSeconds(1)).rise(3).fall(2).drainGrace(Duration.ofMillis(300)).build();
  /** For the tests of checks that hang: a short timeout. */
  private static final HealthPolicy SHORT_TIMEOUT = FAST.toBuilder().timeout(Duration.ofMillis(200)).build();

  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.FAIL);
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger okResponses = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer http;
  private ExecutorService httpThreads;
  private URI health;

  @BeforeEach
  void startHttp() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    httpThreads = Executors.newCachedThreadPool();
    http.setExecutor(httpThreads); // so a hanging handler does not block the next request
    http.createContext("/health", exchange -> {
      requests.incrementAndGet();
      Mode m = mode.get();
      if (m == Mode.HANG) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = (m == Mode.OK ? "status: ok" : "status: broken").getBytes(StandardCharsets.UTF_8);
      // Counted before the answer goes out, so that a check that passed is always counted.
      if (m == Mode.OK) {
        okResponses.incrementAndGet();
      }
      exchange.sendResponseHeaders(m == Mode.OK ? 200 : 503, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    http.start();
    health = URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/health");
  }

  @AfterEach
  void stopAll() throws Exception {
    release.countDown();
    for (AutoCloseable c : closeables) {
      c.close();
    }
    http.stop(0);
    httpThreads.shutdownNow();
  }

  private Roster roster() {
    Roster r = Roster.builder().connectString(zk.connectString()).sessionTimeout(Duration.ofSeconds(2))
        .connectionTimeout(Duration.ofSeconds(5)).build();
    closeables.add(r);
    return r;
  }

  private static ServiceInstance instance(String id) {
    return ServiceInstance.builder("payments").id(id).address("127.0.0.1").port(8080).build();
  }

  private ServiceView watch(Recorder rec) throws Exception {
    ServiceView view = roster().watch("payments");
    view.whenReady().get(5, TimeUnit.SECONDS);
    view.addListener(rec);
    return view;
  }

  /** Change indexes: the first update of {@code id} to DRAINING after {@code from}, and the first removal after it. */
  private static int indexOf(Recorder rec, int from, java.util.function.Predicate<ServiceChange> p) {
    for (int i = from; i < rec.changes.size(); i++) {
      if (p.test(rec.changes.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean drained(ServiceChange c, String id) {
    return c.updated().stream().anyMatch(x -> x.id().equals(id) && x.status() == Status.DRAINING);
  }

  private static boolean removed(ServiceChange c, String id) {
    return c.removed().stream().anyMatch(x -> x.id().equals(id));
  }

  private static boolean added(ServiceChange c, String id) {
    return c.added().stream().anyMatch(x -> x.id().equals(id) && x.isUp());
  }

  @Test
  void upAfterRiseDownAfterFallByDrainingFirstAndUpAgain() throws Exception {
    Recorder rec = new Recorder();
    ServiceView view = watch(rec);
    HealthCheckedRegistration reg = roster().register(instance("p1"), HealthCheck.http(health), FAST);
    closeables.add(reg);

    // Failing: checked over and over, never registered.
    await().atMost(Duration.ofSeconds(5)).until(() -> requests.get() >= 5);
    assertThat(view.instances()).isEmpty();
    assertThat(reg.isHealthy()).isFalse();
    assertThat(reg.isRegistered()).isFalse();
    assertThat(reg.lastResult()).isEqualTo(HealthCheck.Result.fail("HTTP 503"));
    ZooKeeperNode node = node();
    assertThat(node.exists()).isFalse();

    // Passing: registered once rise (3) checks in a row have passed, not before.
    AtomicInteger okWhenSeen = new AtomicInteger(-1);
    view.addListener(c -> {
      if (added(c, "p1")) {
        okWhenSeen.compareAndSet(-1, okResponses.get());
      }
    });
    mode.set(Mode.OK);
    await().atMost(Duration.ofSeconds(5)).until(() -> indexOf(rec, 0, c -> added(c, "p1")) >= 0);
    assertThat(okWhenSeen.get()).isGreaterThanOrEqualTo(3);
    // The view can see the node a moment before register() has returned to the monitor.
    await().atMost(Duration.ofSeconds(2)).until(() -> reg.isHealthy() && reg.isRegistered());
    assertThat(reg.lastResult().healthy()).isTrue();
    assertThat(view.instances()).extracting(ServiceInstance::status).containsExactly(Status.UP);

    // Failing again: after fall (2) failures, DRAINING first (an update), then removed.
    mode.set(Mode.FAIL);
    await().atMost(Duration.ofSeconds(5)).until(() -> indexOf(rec, 0, c -> removed(c, "p1")) >= 0);
    int drainedAt = indexOf(rec, 0, c -> drained(c, "p1"));
    assertThat(drainedAt).isNotNegative().isLessThan(indexOf(rec, 0, c -> removed(c, "p1")));
    assertThat(reg.isHealthy()).isFalse();
    assertThat(reg.isRegistered()).isFalse();
    assertThat(reg.isOpen()).isTrue();
    assertThat(view.instances()).isEmpty();

    // Passing again: back after rise successes.
    int removedAt = indexOf(rec, 0, c -> removed(c, "p1"));
    mode.set(Mode.OK);
    await().atMost(Duration.ofSeconds(5)).until(() -> indexOf(rec, removedAt + 1, c -> added(c, "p1")) >= 0);
    await().atMost(Duration.ofSeconds(2)).until(reg::isHealthy);

    reg.close();
    await().atMost(Duration.ofSeconds(2)).until(() -> view.instances().isEmpty());
    int seen = requests.get();
    Thread.sleep(300); // proving absence: six intervals with no check
    assertThat(requests.get()).isLessThanOrEqualTo(seen + 1);
  }

  @Test
  void aHangingCheckIsTimedOutAndCountsAsAFailure() throws Exception {
    Recorder rec = new Recorder();
    ServiceView view = watch(rec);
    mode.set(Mode.OK);
    HealthCheckedRegistration reg = roster().register(instance("p1"), HealthCheck.http(health), SHORT_TIMEOUT);
    closeables.add(reg);
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);

    mode.set(Mode.HANG);
    long hungAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).until(() -> indexOf(rec, 0, c -> removed(c, "p1")) >= 0);
    // Two timeouts of 200 ms plus the drain grace of 300 ms, with room for a slow machine;
    // far from the 30 s the handler blocks for.
    assertThat(Duration.ofNanos(System.nanoTime() - hungAt)).isLessThan(Duration.ofSeconds(10));
    assertThat(indexOf(rec, 0, c -> drained(c, "p1"))).isNotNegative();
    // A check still stuck past its timeout may be the latest result; either way it names the timeout.
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
      assertThat(reg.lastResult().healthy()).isFalse();
      assertThat(reg.lastResult().reason()).contains("timed out");
    });
  }

  @Test
  void riseAndFallCountExactlyAndChecksNeverRunOnZooKeeperThreads() throws Exception {
    BlockingQueue<Boolean> answers = new LinkedBlockingQueue<>();
    Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    AtomicInteger asked = new AtomicInteger();
    HealthCheck scripted = HealthCheck.of(() -> {
      threads.add(Thread.currentThread().getName());
      Boolean answer = answers.take(); // blocks until the test answers; interrupted at the timeout
      asked.incrementAndGet();
      return answer;
    });
    HealthPolicy patient = FAST.toBuilder().timeout(Duration.ofSeconds(10)).drainGrace(Duration.ZERO).build();
    Roster server = roster();
    HealthCheckedRegistration reg = server.register(instance("p1"), scripted, patient);
    closeables.add(reg);
    ZooKeeperNode node = node();

    answers.add(true);
    answers.add(true);
    await().atMost(Duration.ofSeconds(2)).until(() -> asked.get() == 2 && reg.lastResult() != null);
    assertThat(node.exists()).as("registered after 2 of 3 passes").isFalse();
    answers.add(false); // the run of passes starts over
    answers.add(true);
    answers.add(true);
    await().atMost(Duration.ofSeconds(2)).until(() -> asked.get() == 5);
    Thread.sleep(150); // proving absence: time for a wrong registration to happen
    assertThat(node.exists()).as("registered after pass, pass, fail, pass, pass").isFalse();
    answers.add(true);
    // The node is on the server a moment before register() has returned to the monitor.
    await().atMost(Duration.ofSeconds(2)).until(() -> node.exists() && reg.isHealthy());

    answers.add(false);
    await().atMost(Duration.ofSeconds(2)).until(() -> asked.get() == 7);
    Thread.sleep(150); // proving absence: time for a wrong removal to happen
    assertThat(node.exists()).as("still registered after 1 of 2 failures").isTrue();
    answers.add(false);
    await().atMost(Duration.ofSeconds(2)).until(() -> !node.exists());
    assertThat(threads).isNotEmpty().allSatisfy(t -> assertThat(t).startsWith("roster-health-"));
  }

  @Test
  void aCheckThatBlocksIsInterruptedAtTheTimeout() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    AtomicInteger interrupted = new AtomicInteger();
    HealthCheck stuck = HealthCheck.of(() -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        throw e;
      }
      return true;
    });
    HealthCheckedRegistration reg = roster().register(instance("p1"), stuck, SHORT_TIMEOUT);
    closeables.add(reg);
    await().atMost(Duration.ofSeconds(5)).until(() -> interrupted.get() >= 3);
    assertThat(reg.lastResult().healthy()).isFalse();
    assertThat(reg.lastResult().reason()).contains("timed out");
    assertThat(reg.isHealthy()).isFalse();
  }

  @Test
  void aCheckThatIgnoresInterruptsHoldsOneThreadAndKeepsFailing() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger mostInside = new AtomicInteger();
    AtomicInteger entered = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
    HealthCheck deaf = HealthCheck.of(() -> {
      entered.incrementAndGet();
      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      try {
        while (!released.get()) {
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            // deliberately deaf
          }
        }
      } finally {
        inside.decrementAndGet();
      }
      return true;
    });
    HealthCheckedRegistration reg = roster().register(instance("p1"), deaf, SHORT_TIMEOUT);
    closeables.add(reg);
    closeables.add(() -> released.set(true));
    await().atMost(Duration.ofSeconds(5)).until(() -> reg.lastResult() != null
        && reg.lastResult().reason().endsWith("and the previous check is still running"));
    assertThat(entered.get()).isEqualTo(1);
    assertThat(mostInside.get()).isEqualTo(1);
    assertThat(reg.isHealthy()).isFalse();
    // Once it returns, checking resumes (its own late result is dropped: it already timed out).
    released.set(true);
    await().atMost(Duration.ofSeconds(5)).until(() -> entered.get() >= 2);
  }

  @Test
  void aTcpCheckFollowsWhetherThePortIsOpen() throws Exception {
    Recorder rec = new Recorder();
    ServiceView view = watch(rec);
    ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    int port = socket.getLocalPort();
    HealthCheckedRegistration reg = roster().register(instance("p1"), HealthCheck.tcp("127.0.0.1", port), FAST);
    closeables.add(reg);
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 1);
    socket.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().isEmpty());
    assertThat(indexOf(rec, 0, c -> drained(c, "p1"))).isNotNegative();
    assertThat(reg.lastResult().reason()).startsWith("connect to 127.0.0.1:" + port);
  }

  @Test
  void drainAndCloseWithGraceStopTheChecksAndLeaveGracefully() throws Exception {
    Recorder rec = new Recorder();
    ServiceView view = watch(rec);
    mode.set(Mode.OK);
    HealthCheckedRegistration reg = roster().register(instance("p1"), HealthCheck.http(health, "ok"), FAST);
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 1);

    long start = System.nanoTime();
    reg.close(Duration.ofMillis(300));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    await().atMost(Duration.ofSeconds(2)).until(() -> indexOf(rec, 0, c -> removed(c, "p1")) >= 0);
    assertThat(indexOf(rec, 0, c -> drained(c, "p1"))).isNotNegative()
        .isLessThan(indexOf(rec, 0, c -> removed(c, "p1")));
    assertThat(reg.isOpen()).isFalse();
    assertThat(reg.isHealthy()).isFalse();
    int seen = requests.get();
    Thread.sleep(300); // proving absence: no check after close
    assertThat(requests.get()).isLessThanOrEqualTo(seen + 1);
    assertThatThrownBy(() -> reg.update(instance("p1"))).isInstanceOf(IllegalStateException.class);

    // drain() alone keeps it registered as DRAINING, and the checks stop bringing it back.
    HealthCheckedRegistration again = roster().register(instance("p2"), HealthCheck.http(health, "ok"), FAST);
    closeables.add(again);
    await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 1);
    again.drain();
    await().atMost(Duration.ofSeconds(2)).until(() -> indexOf(rec, 0, c -> drained(c, "p2")) >= 0);
    Thread.sleep(300);
    assertThat(view.instances()).extracting(ServiceInstance::status).containsExactly(Status.DRAINING);
  }

  @Test
  void closingTheRosterStopsItsHealthThreads() throws Exception {
    mode.set(Mode.OK);
    Roster server = roster();
    server.register(instance("p1"), HealthCheck.http(health), FAST);
    await().atMost(Duration.ofSeconds(5)).until(() -> okResponses.get() >= 3);
    assertThat(healthThreads()).isNotEmpty();
    server.close();
    await().atMost(Duration.ofSeconds(2)).until(() -> healthThreads().isEmpty());
    int seen = requests.get();
    Thread.sleep(200);
    assertThat(requests.get()).isLessThanOrEqualTo(seen + 1);
  }

  @Test
  void theSameInstanceCannotBeHealthCheckedTwiceByOneRoster() {
    Roster server = roster();
    server.register(instance("p1"), HealthCheck.http(health), FAST);
    assertThatThrownBy(() -> server.register(instance("p1"), HealthCheck.http(health), FAST))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already registered with a health check");
    server.close();
    assertThatThrownBy(() -> server.register(instance("p2"), HealthCheck.http(health), FAST))
        .isInstanceOf(IllegalStateException.class).hasMessage("this Roster is closed");
  }

  private static Set<String> healthThreads() {
    Set<String> names = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("roster-health-")) {
        names.add(t.getName());
      }
    }
    return names;
  }

  private ZooKeeperNode node() {
    ZooKeeperNode node = new ZooKeeperNode(Zk.connect(zk.connectString(), Duration.ofSeconds(4)));
    closeables.add(node);
    return node;
  }

  /** Whether p1's node exists, read by a plain ZooKeeper client. */
  private static final class ZooKeeperNode implements AutoCloseable {
    private final org.apache.zookeeper.ZooKeeper zk;

    ZooKeeperNode(org.apache.zookeeper.ZooKeeper zk) {
      this.zk = zk;
    }

    boolean exists() {
      return Zk.stat(zk, "/services/payments/p1") != null;
    }

    @Override
    public void close() {
      try {
        zk.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
