package dev.roster.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.embedded.LocalEnsemble;
import dev.roster.testing.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Churn: 2,000 instances across 50 services, 20 watching clients, and minutes of random
 * registers, deregisters, updates and connection blips; at the end every view equals
 * ZooKeeper's truth exactly. {@code -Droster.churn.seconds=N} changes the length (default 120).
 */
class ChurnIT {
  private static final int SERVICES = 50;
  private static final int PER_SERVICE = 40;
  private static final int REGISTRANTS = 10;
  private static final int WATCHERS = 20;

  @Test
  void viewsEqualTheTruthAfterChurn() throws Exception {
    long seconds = Long.getLong("roster.churn.seconds", 120);
    Random random = new Random(42);
    List<AutoCloseable> closeables = new ArrayList<>();
    try (LocalEnsemble ensemble = LocalEnsemble.builder().size(3).tickTime(Duration.ofMillis(200)).start()) {
      List<FaultProxy> proxies = new ArrayList<>();
      List<Roster> registrants = new ArrayList<>();
      for (int i = 0; i < REGISTRANTS + WATCHERS; i++) {
        FaultProxy proxy = FaultProxy.start(ensemble.member(i % ensemble.size()).connectString());
        closeables.add(proxy);
        proxies.add(proxy);
      }
      for (int i = 0; i < REGISTRANTS; i++) {
        Roster r = Roster.builder().connectString(proxies.get(i).connectString())
            .sessionTimeout(Duration.ofSeconds(4)).operationTimeout(Duration.ofSeconds(10)).build();
        closeables.add(r);
        registrants.add(r);
      }
      Map<String, Registration> live = new HashMap<>();
      Map<String, Roster> ownerOf = new HashMap<>();
      List<String> liveIds = new ArrayList<>();
      int next = SERVICES * PER_SERVICE;
      // The first 2,000, registered by all registrants at once.
      Map<String, Registration> initial = new java.util.concurrent.ConcurrentHashMap<>();
      java.util.stream.IntStream.range(0, REGISTRANTS).parallel().forEach(r -> {
        for (int n = r; n < SERVICES * PER_SERVICE; n += REGISTRANTS) {
          initial.put("i" + n, registrants.get(r).register(ServiceInstance.builder("svc-" + (n / PER_SERVICE))
              .id("i" + n).address("10.0.0.1").port(1 + n % PER_SERVICE).build()));
        }
      });
      for (int n = 0; n < SERVICES * PER_SERVICE; n++) {
        live.put("i" + n, initial.get("i" + n));
        ownerOf.put("i" + n, registrants.get(n % REGISTRANTS));
        liveIds.add("i" + n);
      }
      List<ServiceView> views = new ArrayList<>();
      AtomicLong events = new AtomicLong();
      for (int w = 0; w < WATCHERS; w++) {
        Roster r = Roster.builder().connectString(proxies.get(REGISTRANTS + w).connectString())
            .sessionTimeout(Duration.ofSeconds(4)).operationTimeout(Duration.ofSeconds(10)).build();
        closeables.add(r);
        for (int s = 0; s < SERVICES; s++) {
          ServiceView view = r.watch("svc-" + s);
          views.add(view);
        }
      }
      for (ServiceView view : views) {
        view.whenReady().get(60, TimeUnit.SECONDS);
        view.addListener(change -> events.addAndGet(change.added().size() + change.removed().size()
            + change.updated().size()));
      }

      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int registers = 0;
      int deregisters = 0;
      int updates = 0;
      int blips = 0;
      while (System.nanoTime() < end) {
        int action = random.nextInt(100);
        if (action < 35) {
          String id = "i" + (next++);
          int s = random.nextInt(SERVICES);
          Roster owner = registrants.get(random.nextInt(REGISTRANTS));
          ownerOf.put(id, owner);
          live.put(id, owner.register(ServiceInstance.builder("svc-" + s).id(id).address("10.0.0.2").port(1 + random.nextInt(60000)).build()));
          liveIds.add(id);
          registers++;
        } else if (action < 70 && !liveIds.isEmpty()) {
          String id = liveIds.remove(random.nextInt(liveIds.size()));
          live.remove(id).close();
          deregisters++;
        } else if (action < 97 && !liveIds.isEmpty()) {
          Registration reg = live.get(liveIds.get(random.nextInt(liveIds.size())));
          reg.update(reg.instance().toBuilder().weight(random.nextInt(200)).build());
          updates++;
        } else {
          proxies.get(random.nextInt(proxies.size())).blip();
          blips++;
        }
        Thread.sleep(random.nextInt(20)); // pacing the churn, not awaiting anything
      }

      long stopped = System.nanoTime();
      // The churn has stopped, but a registrant that was just blipped still has writes to make
      // once it reconnects (a close becomes a pending delete, an update a pending write). So
      // the truth settles first: exactly the open registrations, and every view equal to it.
      List<String> services = java.util.stream.IntStream.range(0, SERVICES).mapToObj(s -> "svc-" + s).toList();
      Map<String, Registration> regs = live;
      Map<String, java.util.Set<String>> expected = new HashMap<>();
      services.forEach(service -> expected.put(service, new java.util.HashSet<>()));
      regs.forEach((id, reg) -> expected.get(reg.instance().service()).add(id));
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
        Map<String, java.util.Set<String>> truthIds = new HashMap<>();
        Truth.readAll(ensemble.connectString(), services).forEach((service, nodes) -> truthIds.put(service, nodes.keySet()));
        return truthIds.equals(expected) && views.stream().allMatch(v -> !v.isStale()
            && v.instances().stream().map(ServiceInstance::id).collect(java.util.stream.Collectors.toSet())
                .equals(truthIds.get(v.service())));
      });
      long convergence = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
      // Ids settled; data too (the last update of each registration) within a short bound.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        for (String service : services) {
          List<ServiceView> serviceViews = views.stream().filter(v -> v.service().equals(service)).toList();
          Map<Registration, Roster> owners = new HashMap<>();
          regs.forEach((id, reg) -> {
            if (reg.instance().service().equals(service)) {
              owners.put(reg, ownerOf.get(id));
            }
          });
          Truth.assertConverged(ensemble.connectString(), service, serviceViews, owners);
        }
      });
      int total = 0;
      for (ServiceView v : views) {
        total += v.instances().size();
      }
      System.out.printf("churn: %d s, %d registers, %d deregisters, %d updates, %d blips; %d events delivered to "
              + "%d views; the truth settled and every view equal to it %d ms after the churn stopped; %d instances at the end%n",
          seconds, registers, deregisters, updates, blips, events.get(), views.size(), convergence, total / WATCHERS);
      assertThat(total / WATCHERS).isEqualTo(regs.size());
    } finally {
      for (int i = closeables.size() - 1; i >= 0; i--) {
        closeables.get(i).close();
      }
    }
  }
}
