package dev.roster.spring.boot;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.embedded.EmbeddedZooKeeper;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The cost of one {@code DiscoveryClient.getInstances("payments")} with 100 instances, Spring
 * Cloud Zookeeper's client against Roster's, in one run on one embedded ZooKeeper: nanoseconds
 * and bytes allocated per call (the calling thread's, from the JVM), and ZooKeeper requests per
 * call, counted by the server for each client's session. Both applications are real Spring
 * Boot contexts (no web server, no registration of their own). A main, not a test:
 *
 * <pre>
 * ./mvnw -q -o -pl roster-spring-boot-autoconfigure test-compile dependency:build-classpath \
 *     -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
 * java -cp roster-spring-boot-autoconfigure/target/test-classes:roster-spring-boot-autoconfigure/target/classes:$(cat roster-spring-boot-autoconfigure/target/test.classpath) \
 *     dev.roster.spring.boot.DiscoveryClientBench [instances]
 * </pre>
 */
public final class DiscoveryClientBench {
  private DiscoveryClientBench() {}

  /** Runs the comparison and prints one line per client. */
  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().start();
         Roster servers = Roster.builder().connectString(zk.connectString()).build()) {
      List<ServiceInstance> fleet = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        fleet.add(ServiceInstance.builder("payments").id("payments-" + i).address("127.0.0.1").port(10_000 + i)
            .zone("z" + (i % 3)).metadata("version", "1.4.2").build());
      }
      servers.registerAll(fleet);
      try (ConfigurableApplicationContext scz = start("roster.enabled=false",
               "spring.cloud.zookeeper.connect-string=" + zk.connectString());
           ConfigurableApplicationContext roster = start("spring.cloud.zookeeper.enabled=false",
               "spring.cloud.zookeeper.discovery.enabled=false", "roster.connect-string=" + zk.connectString(),
               "roster.registration.enabled=false")) {
        DiscoveryClient sczClient = scz.getBean(
            org.springframework.cloud.zookeeper.discovery.ZookeeperDiscoveryClient.class);
        DiscoveryClient rosterClient = roster.getBean(RosterDiscoveryClient.class);
        LongSupplier sczSession = () -> {
          try {
            return scz.getBean(CuratorFramework.class).getZookeeperClient().getZooKeeper().getSessionId();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
        System.out.printf("getInstances(\"payments\") with %d instances, one run%n", instances);
        System.out.printf("%-26s %14s %14s %16s %s%n", "client", "ns/call", "bytes/call", "zk requests/call", "requests");
        measure("Spring Cloud Zookeeper", sczClient, zk, sczSession.getAsLong(), instances, 50, 300);
        measure("Roster", rosterClient, zk, roster.getBean(Roster.class).sessionId(), instances, 200_000, 2_000_000);
      }
    }
  }

  private static ConfigurableApplicationContext start(String... properties) {
    List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off", "logging.level.root=WARN",
        "spring.application.name=bench", "spring.cloud.service-registry.auto-registration.enabled=false",
        "spring.cloud.inetutils.preferred-networks=127.0.0.1"));
    all.addAll(List.of(properties));
    return new SpringApplicationBuilder(Apps.Service.class).web(WebApplicationType.NONE)
        .properties(all.toArray(String[]::new)).run();
  }

  private static void measure(String name, DiscoveryClient client, EmbeddedZooKeeper zk, long session, int expected,
      int warmup, int calls) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int i = 0; i < warmup; i++) {
      sink += client.getInstances("payments").size();
    }
    if (client.getInstances("payments").size() != expected) {
      throw new IllegalStateException(name + " sees " + client.getInstances("payments").size() + " instances");
    }
    zk.resetRequestCounts();
    long thread = Thread.currentThread().getId();
    long bytesBefore = threads.getThreadAllocatedBytes(thread);
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      sink += client.getInstances("payments").size();
    }
    long elapsed = System.nanoTime() - start;
    long bytes = threads.getThreadAllocatedBytes(thread) - bytesBefore;
    Map<String, Long> requests = zk.requestCounts(session);
    long total = requests.entrySet().stream().filter(e -> !e.getKey().equals("ping")).mapToLong(Map.Entry::getValue).sum();
    if (sink == 42) {
      System.out.println();
    }
    System.out.printf("%-26s %14.1f %14.1f %16.3f %s%n", name, (double) elapsed / calls, (double) bytes / calls,
        (double) total / calls, requests);
  }
}
