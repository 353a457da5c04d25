package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.testing.ZooKeeperExtension;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The agent's DNS interface through dnsjava's resolver and bare packets, on a real agent and a
 * real ZooKeeper, with instances registered through the library. Each test has services of its
 * own, so they share one agent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();
  private static final AtomicInteger SERVICES = new AtomicInteger();

  static Agent agent;
  static Roster library;
  static InetSocketAddress dns;

  @BeforeAll
  static void start() {
    agent = Agent.builder().connectString(zk.connectString()).port(0)
        .dns(new InetSocketAddress("127.0.0.1", 0)).dnsTtl(Duration.ofSeconds(5)).start();
    library = Roster.builder().connectString(zk.connectString()).build();
    dns = agent.dnsAddress();
    // The agent starts without waiting for ZooKeeper; until it connects, first questions SERVFAIL.
    await().atMost(Duration.ofSeconds(10)).until(() -> agent.roster().isConnected());
  }

  @AfterAll
  static void stop() {
    agent.close();
    library.close();
  }

  static String newService() {
    return "dns-" + SERVICES.incrementAndGet();
  }

  static SimpleResolver resolver(boolean tcp) {
    SimpleResolver r = new SimpleResolver(dns);
    r.setTCP(tcp);
    r.setIgnoreTruncation(true);
    r.setTimeout(Duration.ofSeconds(5));
    return r;
  }

  static Message ask(boolean tcp, String name, int type) throws Exception {
    return resolver(tcp).send(Dns.query(name, type, 0));
  }

  static Registration register(String service, String id, String address, int port, String zone,
      ServiceInstance.Status status, int weight) {
    return library.register(ServiceInstance.builder(service).id(id).address(address).port(port).zone(zone)
        .status(status).weight(weight).build());
  }

  @Test
  void aAaaaAndSrvAnswerExactlyTheUpInstancesOverUdpAndTcp() throws Exception {
    String svc = newService();
    register(svc, "a1", "10.0.0.1", 8081, "z1", ServiceInstance.Status.UP, 100);
    register(svc, "a2", "10.0.0.2", 8082, "z1", ServiceInstance.Status.DRAINING, 100);
    register(svc, "a3", "2001:db8::3", 8083, "z2", ServiceInstance.Status.UP, 70_000);
    register(svc, "a4", "10.0.0.4", 8084, "z2", ServiceInstance.Status.UP, 0);
    register(svc, "a5", "10.0.0.5", 8085, "z2", ServiceInstance.Status.OUT_OF_SERVICE, 100);
    String name = svc + ".service.roster.";
    for (boolean tcp : new boolean[] {false, true}) {
      // The first question opens the view and waits for it: the answer is already complete.
      Message a = ask(tcp, name, Type.A);
      assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(a.getHeader().getFlag(Flags.AA)).isTrue();
      assertThat(a.getHeader().getFlag(Flags.RA)).isFalse();
      assertThat(Dns.answers(a)).containsExactly("10.0.0.1", "10.0.0.4");
      assertThat(a.getSection(Section.ANSWER)).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(5));
      assertThat(Dns.answers(ask(tcp, name, Type.AAAA))).containsExactly("2001:db8:0:0:0:0:0:3");

      List<String> srv = List.of("1 0 8084 a4." + name, "1 100 8081 a1." + name, "1 65535 8083 a3." + name);
      Message s = ask(tcp, name, Type.SRV);
      assertThat(Dns.answers(s)).containsExactlyInAnyOrderElementsOf(srv);
      assertThat(Dns.additional(s)).containsExactlyInAnyOrder("a1." + name + " 10.0.0.1", "a4." + name + " 10.0.0.4",
          "a3." + name + " 2001:db8:0:0:0:0:0:3");
      assertThat(Dns.answers(ask(tcp, "_" + svc + "._tcp.service.roster", Type.SRV)))
          .containsExactlyInAnyOrderElementsOf(srv);

      assertThat(Dns.answers(ask(tcp, "a1." + name, Type.A))).containsExactly("10.0.0.1");
      assertThat(Dns.answers(ask(tcp, "a3." + name, Type.AAAA))).containsExactly("2001:db8:0:0:0:0:0:3");
      Message draining = ask(tcp, "a2." + name, Type.A);
      assertThat(draining.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(draining.getSection(Section.ANSWER)).isEmpty();
      assertThat(ask(tcp, "nope." + name, Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);

      assertThat(Dns.answers(ask(tcp, "z1.zone." + name, Type.A))).containsExactly("10.0.0.1");
      assertThat(Dns.answers(ask(tcp, "z2.zone." + name, Type.A))).containsExactly("10.0.0.4");
      assertThat(Dns.answers(ask(tcp, "z2.zone." + name, Type.AAAA))).containsExactly("2001:db8:0:0:0:0:0:3");
      assertThat(Dns.answers(ask(tcp, "z2.zone." + name, Type.SRV)))
          .containsExactlyInAnyOrder("1 0 8084 a4." + name, "1 65535 8083 a3." + name);
      Message noZone = ask(tcp, "z9.zone." + name, Type.A);
      assertThat(noZone.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(noZone.getSection(Section.ANSWER)).isEmpty();
      assertThat(noZone.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
    }
    // The fixed labels and the domain match in any case; the question comes back as sent.
    Message mixed = ask(false, svc + ".SERVICE.Roster.", Type.A);
    assertThat(Dns.answers(mixed)).containsExactly("10.0.0.1", "10.0.0.4");
    assertThat(mixed.getSection(Section.ANSWER).get(0).getName().toString()).isEqualTo(svc + ".SERVICE.Roster.");
    // Service names are case-sensitive, as Roster's are.
    assertThat(ask(false, svc.toUpperCase() + ".service.roster.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void hostnameAddressesAreNotResolvedButAreSrvTargets() throws Exception {
    String svc = newService();
    register(svc, "h1", "db.example.com", 5432, "z1", ServiceInstance.Status.UP, 10);
    register(svc, "i1", "10.1.0.1", 5432, "z1", ServiceInstance.Status.UP, 10);
    String name = svc + ".service.roster.";
    assertThat(Dns.answers(ask(false, name, Type.A))).containsExactly("10.1.0.1");
    Message srv = ask(false, name, Type.SRV);
    assertThat(Dns.answers(srv)).containsExactlyInAnyOrder("1 10 5432 db.example.com.", "1 10 5432 i1." + name);
    assertThat(Dns.additional(srv)).containsExactly("i1." + name + " 10.1.0.1");
    assertThat(metrics()).contains("roster_agent_dns_unanswerable_total{reason=\"hostname\"}");
  }

  @Test
  void aRegistrationIsAnsweredWithinASecondAndDrainingOrDeregisteredInstancesStop() throws Exception {
    String svc = newService();
    String name = svc + ".service.roster.";
    Message before = ask(false, name, Type.A);
    assertThat(before.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    Registration r1 = register(svc, "r1", "10.2.0.1", 80, "z", ServiceInstance.Status.UP, 100);
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> Dns.answers(ask(false, name, Type.A)).equals(List.of("10.2.0.1")));
    Registration r2 = register(svc, "r2", "10.2.0.2", 80, "z", ServiceInstance.Status.UP, 100);
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> Dns.answers(ask(true, name, Type.A)).equals(List.of("10.2.0.1", "10.2.0.2")));

    r1.update(r1.instance().toBuilder().status(ServiceInstance.Status.DRAINING).build());
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> Dns.answers(ask(false, name, Type.A)).equals(List.of("10.2.0.2")));
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> Dns.answers(ask(false, name, Type.SRV)).equals(List.of("1 100 80 r2." + name)));

    r2.close();
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> ask(false, name, Type.A).getSection(Section.ANSWER).isEmpty());
    Message nothingUp = ask(false, name, Type.A);
    assertThat(nothingUp.getRcode()).as("r1 is still there, draining").isEqualTo(Rcode.NOERROR);
    assertThat(nothingUp.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);
    r1.close();
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
        .until(() -> ask(false, name, Type.A).getRcode() == Rcode.NXDOMAIN);
  }

  @Test
  void negativeAnswersCarryTheSoaAndNamesOutsideTheDomainAreRefused() throws Exception {
    Message unknown = ask(false, newService() + ".service.roster.", Type.A);
    assertThat(unknown.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(unknown.getHeader().getFlag(Flags.AA)).isTrue();
    Record soa = unknown.getSection(Section.AUTHORITY).get(0);
    assertThat(soa).isInstanceOf(SOARecord.class);
    assertThat(soa.getName().toString()).isEqualTo("roster.");
    assertThat(((SOARecord) soa).getMinimum()).isEqualTo(5);

    Message apex = ask(false, "roster.", Type.SOA);
    assertThat(apex.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(apex.getSection(Section.ANSWER)).singleElement().isInstanceOf(SOARecord.class);
    assertThat(ask(false, "other.roster.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);

    for (boolean tcp : new boolean[] {false, true}) {
      Message outside = ask(tcp, "example.com.", Type.A);
      assertThat(outside.getRcode()).isEqualTo(Rcode.REFUSED);
      assertThat(outside.getHeader().getFlag(Flags.AA)).isFalse();
      assertThat(outside.getHeader().getFlag(Flags.RA)).isFalse();
      assertThat(outside.getSection(Section.ANSWER)).isEmpty();
    }
  }

  @Test
  void twoThousandInstancesAreTruncatedOverUdpAndWholeOverTcp() throws Exception {
    String svc = newService();
    List<Registration> all = new ArrayList<>();
    try (Roster bulk = Roster.builder().connectString(zk.connectString()).build()) {
      for (int i = 0; i < 2_000; i++) {
        all.add(bulk.register(ServiceInstance.builder(svc).id("i" + i)
            .address("10.9." + (i / 250) + "." + (i % 250 + 1)).port(80).build()));
      }
      String name = svc + ".service.roster.";
      await().atMost(Duration.ofSeconds(10))
          .until(() -> Dns.answers(Dns.tcp(dns, Dns.query(name, Type.A, 0))).size() == 2_000);

      byte[] plain = Dns.udp(dns, Dns.query(name, Type.A, 0).toWire(), 5_000);
      assertThat(plain).isNotNull();
      assertThat(plain.length).isLessThanOrEqualTo(512);
      Message small = new Message(plain);
      assertThat(small.getHeader().getFlag(Flags.TC)).isTrue();

      byte[] edns = Dns.udp(dns, Dns.query(name, Type.A, 1232).toWire(), 5_000);
      assertThat(edns.length).isLessThanOrEqualTo(1232).isGreaterThan(512);
      Message bigger = new Message(edns);
      assertThat(bigger.getHeader().getFlag(Flags.TC)).isTrue();
      assertThat(bigger.getOPT()).isNotNull();
      assertThat(bigger.getSection(Section.ANSWER).size()).isGreaterThan(small.getSection(Section.ANSWER).size());

      Message whole = Dns.tcp(dns, Dns.query(name, Type.A, 0));
      assertThat(whole.getHeader().getFlag(Flags.TC)).isFalse();
      assertThat(whole.getSection(Section.ANSWER)).hasSize(2_000);
      // dnsjava's resolver retries over TCP on its own after the truncated UDP answer.
      SimpleResolver retrying = new SimpleResolver(dns);
      retrying.setTimeout(Duration.ofSeconds(5));
      assertThat(retrying.send(Dns.query(name, Type.A, 0)).getSection(Section.ANSWER)).hasSize(2_000);

      byte[] srv = Dns.tcp(dns, Dns.query(name, Type.SRV, 0).toWire());
      assertThat(srv.length).isLessThanOrEqualTo(65_535);
      Message srvs = new Message(srv);
      assertThat(srvs.getHeader().getFlag(Flags.TC)).isFalse();
      assertThat(srvs.getSection(Section.ANSWER).size()).isBetween(1, 2_000);
    }
  }

  @Test
  void queriesAreCountedOnTheMetricsPage() throws Exception {
    ask(false, newService() + ".service.roster.", Type.A);
    ask(false, "example.org.", Type.SRV);
    String text = metrics();
    assertThat(text).contains("roster_agent_dns_queries_total{rcode=\"NXDOMAIN\",type=\"A\"}")
        .contains("roster_agent_dns_queries_total{rcode=\"REFUSED\",type=\"SRV\"}");
  }

  @Test
  void aSourceOverItsRateLimitIsDroppedOverUdp() throws Exception {
    try (Agent limited = Agent.builder().connectString(zk.connectString()).port(0)
        .dns(new InetSocketAddress("127.0.0.1", 0)).dnsRateLimit(5).dnsRateLimitLoopback(true).start()) {
      InetSocketAddress at = limited.dnsAddress();
      byte[] q = Dns.query("example.com.", Type.A, 0).toWire();
      int answered = 0;
      for (int i = 0; i < 20; i++) {
        if (Dns.udp(at, q, 200) != null) {
          answered++;
        }
      }
      // A burst of 5, and about one more a fifth of a second while the unanswered ones time out.
      assertThat(answered).isBetween(5, 12);
      HttpResponse<String> m = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(limited.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(m.body()).contains("roster_agent_dns_dropped_total{reason=\"rate-limited\"}");
    }
  }

  @Test
  void noDnsUnlessAsked() {
    try (Agent plain = Agent.builder().connectString(zk.connectString()).port(0).start()) {
      assertThat(plain.dnsAddress()).isNull();
    }
  }

  static String metrics() throws Exception {
    URI uri = agent.uri().resolve("/metrics");
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
