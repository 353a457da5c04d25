package dev.roster.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.testing.ZooKeeperExtension;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * 10,000 mutated DNS queries ({@link DnsPacketGenerator}) against a real agent on a real
 * ZooKeeper, nine in ten over UDP, the rest over TCP: every reply parses with dnsjava, keeps the
 * request's id and is no larger than the request allowed; packets that must be dropped (shorter
 * than a header, or with QR set) get nothing; and the agent still answers a good query after.
 * {@code -Droster.fuzz.seed=N|random} as the other generated tests.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DnsPacketsGeneratedIT {
  static final int CASES = 10_000;

  @RegisterExtension final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void everyReplyParsesKeepsTheIdAndFitsWhatTheRequestAllowed() throws Exception {
    String given = System.getProperty("roster.fuzz.seed");
    long seed = given == null || given.isBlank() ? 20_261_201L
        : given.equals("random") ? ThreadLocalRandom.current().nextLong() : Long.parseLong(given.strip());
    SplittableRandom master = new SplittableRandom(seed);
    Map<String, Integer> outcomes = new TreeMap<>();
    long start = System.nanoTime();
    try (Roster library = Roster.builder().connectString(zk.connectString()).build();
        Agent agent = Agent.builder().connectString(zk.connectString()).port(0)
            .dns(new InetSocketAddress("127.0.0.1", 0)).start();
        DatagramSocket udp = new DatagramSocket()) {
      for (int i = 0; i < 3; i++) {
        library.register(ServiceInstance.builder("gen").id("g" + i).address("10.5.0." + (i + 1)).port(80)
            .zone("z1").build());
      }
      InetSocketAddress dns = agent.dnsAddress();
      await().atMost(Duration.ofSeconds(10)).until(() -> agent.roster().isConnected());
      udp.setSoTimeout(3_000);
      byte[] buffer = new byte[65_535];
      for (int i = 0; i < CASES; i++) {
        SplittableRandom random = master.split();
        byte[] packet = DnsPacketGenerator.next(random);
        boolean tcp = random.nextInt(10) == 0;
        String replay = "case " + i + " of seed " + seed + " (replay with -Droster.fuzz.seed=" + seed + "), "
            + (tcp ? "TCP" : "UDP") + " packet " + hex(packet);
        boolean dropped = packet.length < 12 || (packet[2] & 0x80) != 0;
        byte[] reply;
        if (tcp) {
          reply = overTcp(dns, packet, dropped);
        } else {
          udp.send(new DatagramPacket(packet, packet.length, dns));
          if (dropped) {
            outcomes.merge("dropped", 1, Integer::sum);
            continue;
          }
          DatagramPacket p = new DatagramPacket(buffer, buffer.length);
          try {
            udp.receive(p);
          } catch (SocketTimeoutException e) {
            fail("no reply to " + replay);
          }
          reply = Arrays.copyOf(buffer, p.getLength());
        }
        if (dropped) {
          assertThat(reply).as("a reply to a packet to drop; %s", replay).isNull();
          outcomes.merge("dropped", 1, Integer::sum);
          continue;
        }
        assertThat(reply).as("reply to %s", replay).isNotNull();
        Message m;
        try {
          m = new Message(reply);
        } catch (Exception e) {
          fail("reply " + hex(reply) + " does not parse (" + e + "); " + replay);
          return;
        }
        assertThat(m.getHeader().getID()).as("id; %s", replay).isEqualTo(((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF));
        assertThat(reply.length).as("size; %s", replay).isLessThanOrEqualTo(tcp ? 65_535 : allowed(packet));
        outcomes.merge(Rcode.string(m.getRcode()), 1, Integer::sum);
      }
      Message good = Dns.udp(dns, Dns.query("gen.service.roster.", Type.A, 0));
      assertThat(Dns.answers(good)).containsExactly("10.5.0.1", "10.5.0.2", "10.5.0.3");
      System.out.printf("DnsPacketsGeneratedIT: %d packets in %d ms, outcomes %s, seed %d%n", CASES,
          (System.nanoTime() - start) / 1_000_000, outcomes, seed);
      assertThat(outcomes).as("seed %d", seed).containsKeys("NOERROR", "NXDOMAIN", "REFUSED", "FORMERR", "NOTIMP",
          "dropped");
    }
  }

  /** What a UDP reply may take: 512 bytes, or the query's EDNS0 payload size clamped to 512-4,096. */
  private static int allowed(byte[] packet) {
    try {
      OPTRecord opt = new Message(packet).getOPT();
      return opt == null ? 512 : Math.max(512, Math.min(4096, opt.getPayloadSize()));
    } catch (Exception e) {
      return 512;
    }
  }

  /**
   * The reply to {@code packet} over TCP. A packet to drop is followed by a good query on the same
   * connection, with another id: the first reply must be that one's, so a drop costs no timeout.
   */
  private static byte @Nullable [] overTcp(InetSocketAddress dns, byte[] packet, boolean dropped) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(dns, 5_000);
      s.setSoTimeout(5_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(packet.length);
      out.write(packet);
      int goodId = packet.length >= 2 ? ((((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF)) + 1) & 0xFFFF : 1;
      if (dropped) {
        Message good = Dns.query("gen.service.roster.", Type.A, 0);
        good.getHeader().setID(goodId);
        byte[] g = good.toWire();
        out.writeShort(g.length);
        out.write(g);
      }
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] reply = new byte[in.readUnsignedShort()];
      in.readFully(reply);
      if (dropped) {
        int id = ((reply[0] & 0xFF) << 8) | (reply[1] & 0xFF);
        return id == goodId ? null : reply;
      }
      return reply;
    }
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02x", x));
    }
    return s.toString();
  }
}
