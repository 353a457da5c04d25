package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.codec.InstanceCodec;
import dev.roster.codec.InstanceFormatException;
import dev.roster.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every callback goes through one event path per Roster: isolated, in order, and safe to re-enter. */
class EventPathIT {
  @RegisterExtension
  final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  private static ServiceInstance instance(String id) {
    return ServiceInstance.builder("payments").id(id).address("10.0.0.1").port(8080).build();
  }

  /** Updates and then closes its registration from inside {@code registered()}. */
  private static final class ReEnteringListener implements RosterEventListener {
    /** Handed over by the test once register() returns; the event may come before that. */
    final CompletableFuture<Registration> registration = new CompletableFuture<>();
    final CompletableFuture<Duration> took = new CompletableFuture<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void registered(ServiceInstance instance, RegisterReason reason, Duration elapsed) {
      threads.add(Thread.currentThread().getName());
      if (!instance.id().equals("target")) {
        return;
      }
      try {
        Registration r = registration.get(5, TimeUnit.SECONDS);
        long start = System.nanoTime();
        r.update(r.instance().toBuilder().metadata("from", "listener").build());
        r.close();
        took.complete(Duration.ofNanos(System.nanoTime() - start));
      } catch (Throwable t) {
        took.completeExceptionally(t);
      }
    }
  }

  @Test
  void aListenerThatUpdatesAndClosesFromRegisteredFinishesPromptly() throws Exception {
    ReEnteringListener listener = new ReEnteringListener();
    try (Roster roster = Roster.builder().connectString(zk.connectString()).eventListener(listener)
            .operationTimeout(Duration.ofSeconds(10)).build();
        Roster reader = Roster.builder().connectString(zk.connectString()).build()) {
      ServiceView view = reader.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      Recorder rec = new Recorder();
      view.addListener(rec);
      roster.register(instance("p1"));
      listener.registration.complete(roster.register(instance("target")));
      roster.register(instance("p3"));

      // Well under the 10 s operation timeout that a listener waiting on its own context would take.
      assertThat(listener.took.get(5, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(1));
      assertThat(listener.threads).allSatisfy(name -> assertThat(name).contains("events"));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(rec.updatedIds()).contains("target");
        assertThat(rec.removedIds()).contains("target");
        assertThat(view.instances()).extracting(ServiceInstance::id).containsExactly("p1", "p3");
      });
      assertThat(listener.registration.get().isOpen()).isFalse();
    }
  }

  @Test
  void aListenerThatThrowsAnErrorHarmsNothingElse() throws Exception {
    List<String> later = new CopyOnWriteArrayList<>();
    RosterEventListener throwing = new RosterEventListener() {
      @Override
      public void registered(ServiceInstance instance, RegisterReason reason, Duration elapsed) {
        later.add("registered " + instance.id());
        throw new AssertionError("a listener's Error");
      }
    };
    try (Roster roster = Roster.builder().connectString(zk.connectString()).eventListener(throwing).build()) {
      ServiceView view = roster.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      Recorder good = new Recorder();
      view.addListener(change -> {
        throw new OutOfMemoryError("a view listener's Error");
      });
      view.addListener(good);
      roster.register(instance("p1"));
      roster.register(instance("p2"));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(later).containsExactly("registered p1", "registered p2");
        assertThat(good.ids()).isEqualTo(Set.of("p1", "p2"));
      });
      // The Roster still works: a third registration is seen by everyone.
      roster.register(instance("p3"));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(later).contains("registered p3");
        assertThat(good.ids()).isEqualTo(Set.of("p1", "p2", "p3"));
      });
    }
  }

  @Test
  void callbacksRunOneAtATimeInOrderOnTheBuildersExecutor() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "users-pool");
      t.setDaemon(true);
      return t;
    });
    try {
      List<String> seen = new CopyOnWriteArrayList<>();
      Set<Thread> inside = ConcurrentHashMap.newKeySet();
      List<String> overlaps = new CopyOnWriteArrayList<>();
      RosterEventListener listener = new RosterEventListener() {
        @Override
        public void registered(ServiceInstance instance, RegisterReason reason, Duration elapsed) {
          if (!inside.isEmpty()) {
            overlaps.add(instance.id());
          }
          inside.add(Thread.currentThread());
          seen.add(instance.id() + "@" + Thread.currentThread().getName());
          inside.remove(Thread.currentThread());
        }
      };
      try (Roster roster = Roster.builder().connectString(zk.connectString()).eventListener(listener)
          .eventExecutor(pool).build()) {
        for (int i = 0; i < 20; i++) {
          roster.register(instance("p" + i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 20);
        for (int i = 0; i < 20; i++) {
          assertThat(seen.get(i)).isEqualTo("p" + i + "@users-pool");
        }
        assertThat(overlaps).isEmpty();
      }
      assertThat(pool.isShutdown()).as("Roster does not shut down the caller's executor").isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void whenReadyStagesRunOnTheEventPathAndCloseDeliversClosedBeforeReturning() throws Exception {
    List<RosterEventListener.ConnectionState> states = new CopyOnWriteArrayList<>();
    RosterEventListener listener = new RosterEventListener() {
      @Override
      public void connectionStateChanged(ConnectionState state) {
        states.add(state);
      }
    };
    Roster roster = Roster.builder().connectString(zk.connectString()).eventListener(listener).build();
    try {
      ServiceView view = roster.watch("payments");
      String thread = view.whenReady().thenApply(v -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
      // Already complete by now: a stage chained later runs on the caller's thread instead.
      assertThat(thread).satisfiesAnyOf(
          name -> assertThat(name).contains("events"),
          name -> assertThat(name).isEqualTo(Thread.currentThread().getName()));
    } finally {
      roster.close();
    }
    assertThat(states).last().isEqualTo(RosterEventListener.ConnectionState.CLOSED);
  }

  /** A codec whose decode calls a blocking Roster method: it runs on a view's context, where that is refused. */
  @Test
  void aBlockingCallOnOneOfRostersOwnContextsFailsAtOnce() throws Exception {
    AtomicReference<Roster> self = new AtomicReference<>();
    CompletableFuture<Throwable> refused = new CompletableFuture<>();
    InstanceCodec base = InstanceCodec.springCloud();
    InstanceCodec meddling = new InstanceCodec() {
      @Override
      public byte[] encode(ServiceInstance instance) {
        return base.encode(instance);
      }

      @Override
      public ServiceInstance decode(String service, String nodeName, byte[] data) throws InstanceFormatException {
        long start = System.nanoTime();
        try {
          self.get().register(instance("from-codec"));
          refused.complete(new AssertionError("register() from a view's context was not refused"));
        } catch (IllegalStateException e) {
          refused.complete(e);
          assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        }
        return base.decode(service, nodeName, data);
      }

      @Override
      public String name() {
        return "meddling";
      }
    };
    try (Roster roster = Roster.builder().connectString(zk.connectString()).codec(meddling)
        .operationTimeout(Duration.ofSeconds(20)).build()) {
      self.set(roster);
      ServiceView view = roster.watch("payments");
      view.whenReady().get(5, TimeUnit.SECONDS);
      long start = System.nanoTime();
      roster.register(instance("p1"));
      Throwable t = refused.get(5, TimeUnit.SECONDS);
      assertThat(t).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Roster.register()").hasMessageContaining("context");
      // The view kept working: the node is still decoded and served.
      await().atMost(Duration.ofSeconds(5)).until(() -> view.instances().size() == 1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }
}
