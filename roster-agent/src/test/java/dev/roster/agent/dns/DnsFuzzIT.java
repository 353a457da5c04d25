package dev.roster.agent.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.ZooKeeperExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;

/**
 * Coverage-guided fuzzing of the DNS handler: raw bytes, as a UDP payload when the first byte is
 * even and a TCP message when odd, answered from real views of a real ZooKeeper. A reply is none
 * or parses with dnsjava, keeps the request's id, and is no larger than the request allowed.
 * Committed inputs are under {@code src/test/resources/dev/roster/agent/dns/DnsFuzzITInputs/}.
 */
class DnsFuzzIT {
  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static Roster roster;
  private static DnsServer server;
  private static boolean loopbackAllowed;

  /** Views of a real Roster as the agent's catalog would hand them out, at most 500 names. */
  private static final class Views implements DnsServer.Catalog {
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    @Override
    public DnsServer.Entry open(String service) {
      Entry e = entries.get(service);
      if (e == null) {
        if (entries.size() >= 500) {
          throw new IllegalStateException("full");
        }
        e = entries.computeIfAbsent(service, s -> new Entry(s, roster.watch(s)));
      }
      return e;
    }

    void close() {
      entries.values().forEach(e -> e.view.close());
    }
  }

  private static final class Entry implements DnsServer.Entry {
    final ServiceView view;
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    volatile @Nullable ServiceRecords records;

    Entry(String service, ServiceView view) {
      this.view = view;
      view.addListener(change -> records = server.records(service, change.instances()));
      view.whenReady().thenAccept(v -> {
        records = server.records(service, v.instances());
        ready.complete(null);
      });
    }

    @Override
    public @Nullable ServiceRecords dnsRecords() {
      return records;
    }

    @Override
    public CompletableFuture<?> whenReady() {
      return ready;
    }
  }

  private static Views views;

  @BeforeAll
  static void start() {
    roster = Roster.builder().connectString(zk.connectString()).build();
    for (int i = 0; i < 3; i++) {
      roster.register(ServiceInstance.builder("fuzz").id("f" + i).address(i == 2 ? "::1" : "10.6.0." + i).port(80)
          .zone("z1").build());
    }
    server = DnsServer.create("roster", Duration.ZERO, 0, false, new SimpleMeterRegistry());
    views = new Views();
    server.start(new InetSocketAddress("127.0.0.1", 0), views);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (views != null) {
      views.close();
    }
    if (roster != null) {
      roster.close();
    }
  }

  @FuzzTest(maxDuration = "5m")
  void anyPacket(byte[] data) {
    if (!loopbackAllowed) {
      // As in AgentHttpFuzzIT: the Roster's connections to ZooKeeper, all on loopback.
      BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
      loopbackAllowed = true;
    }
    if (data.length == 0) {
      return;
    }
    boolean tcp = (data[0] & 1) == 1;
    byte[] packet = java.util.Arrays.copyOfRange(data, 1, data.length);
    byte[] reply = server.handleNow(packet, InetAddress.getLoopbackAddress(), tcp);
    if (reply == null) {
      return;
    }
    assertThat(packet.length).as("a reply to a packet shorter than a header").isGreaterThanOrEqualTo(12);
    Message m;
    try {
      m = new Message(reply);
    } catch (Exception e) {
      fail("reply does not parse: " + e);
      return;
    }
    assertThat(m.getHeader().getID()).isEqualTo(((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF));
    int allowed = 512;
    try {
      OPTRecord opt = new Message(packet).getOPT();
      if (opt != null) {
        allowed = Math.max(512, Math.min(4096, opt.getPayloadSize()));
      }
    } catch (Exception e) {
      allowed = 512;
    }
    assertThat(reply.length).isLessThanOrEqualTo(tcp ? 65_535 : allowed);
  }
}
