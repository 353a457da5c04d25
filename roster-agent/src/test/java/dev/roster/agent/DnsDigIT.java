package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.testing.ZooKeeperExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent's DNS through Debian's {@code dig} as a child process, as a user would ask it: plain
 * UDP, {@code +tcp}, {@code +bufsize}, {@code +norecurse}. Every dig started is waited for, and
 * killed if it overruns.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsDigIT {
  private static final Path DIG = Path.of("/usr/bin/dig");
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  static Agent agent;
  static Roster library;
  static int port;

  @BeforeAll
  static void start() {
    if (!Files.isExecutable(DIG)) {
      fail("The DNS test needs Debian's dig at %s; install with: apt-get install -y bind9-dnsutils (.ci/run does)",
          DIG);
    }
    agent = Agent.builder().connectString(zk.connectString()).port(0).dns(new InetSocketAddress("127.0.0.1", 0)).start();
    library = Roster.builder().connectString(zk.connectString()).build();
    port = agent.dnsAddress().getPort();
    await().atMost(Duration.ofSeconds(10)).until(() -> agent.roster().isConnected());
    for (int i = 1; i <= 3; i++) {
      library.register(ServiceInstance.builder("payments").id("p" + i).address("10.3.0." + i).port(8080 + i)
          .zone(i == 1 ? "eu-west-1a" : "eu-west-1b").weight(10 * i)
          .status(i == 3 ? ServiceInstance.Status.DRAINING : ServiceInstance.Status.UP).build());
    }
    for (int i = 0; i < 300; i++) {
      library.register(ServiceInstance.builder("big").id("b" + i).address("10.4." + (i / 200) + "." + (i % 200 + 1))
          .port(80).build());
    }
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
    if (library != null) {
      library.close();
    }
  }

  static List<String> dig(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(DIG.toString(), "@127.0.0.1", "-p", Integer.toString(port),
        "+time=3", "+tries=1"));
    command.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        fail("dig did not finish: " + command);
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return out.lines().map(String::strip).filter(l -> !l.isEmpty()).sorted().toList();
    } finally {
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** Short answers, awaited: the first question opens the service's view. */
  static List<String> shortly(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("+short"));
    all.addAll(Arrays.asList(args));
    return dig(all.toArray(new String[0]));
  }

  @Test
  void aAndSrvAnswerTheUpInstances() throws Exception {
    await().atMost(Duration.ofSeconds(5)).until(() -> shortly("payments.service.roster").size() == 2);
    assertThat(shortly("payments.service.roster")).containsExactly("10.3.0.1", "10.3.0.2");
    assertThat(shortly("payments.service.roster", "SRV")).containsExactly(
        "1 10 8081 p1.payments.service.roster.", "1 20 8082 p2.payments.service.roster.");
    assertThat(shortly("_payments._tcp.service.roster", "SRV", "+tcp")).containsExactly(
        "1 10 8081 p1.payments.service.roster.", "1 20 8082 p2.payments.service.roster.");
    assertThat(shortly("eu-west-1a.zone.payments.service.roster")).containsExactly("10.3.0.1");
    assertThat(shortly("p2.payments.service.roster", "+norecurse")).containsExactly("10.3.0.2");
    assertThat(shortly("p3.payments.service.roster")).as("draining").isEmpty();
  }

  @Test
  void statusesAndFlagsAsDigShowsThem() throws Exception {
    await().atMost(Duration.ofSeconds(5)).until(() -> shortly("payments.service.roster").size() == 2);
    assertThat(String.join("\n", dig("nothing-here.service.roster"))).contains("status: NXDOMAIN")
        .contains("roster.").contains("SOA");
    String refused = String.join("\n", dig("example.com", "+norecurse"));
    assertThat(refused).contains("status: REFUSED").doesNotContain(" ra");
    String answered = String.join("\n", dig("payments.service.roster", "+norecurse"));
    assertThat(answered).contains("status: NOERROR").contains("flags: qr aa;");
  }

  @Test
  void aLargeAnswerIsTruncatedOverUdpAndWholeOverTcp() throws Exception {
    await().atMost(Duration.ofSeconds(5)).until(() -> shortly("+tcp", "big.service.roster").size() == 300);
    String udp = String.join("\n", dig("big.service.roster", "+ignore", "+bufsize=1232"));
    assertThat(udp).contains("flags: qr aa tc");
    assertThat(shortly("+tcp", "big.service.roster")).hasSize(300);
    // dig retries over TCP on its own after a truncated UDP answer.
    assertThat(shortly("big.service.roster", "+bufsize=512")).hasSize(300);
  }
}
