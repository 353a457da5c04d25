package dev.roster.agent;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.xbill.DNS.Type;

/**
 * Valid DNS queries for the agent's names (and others), then mutated: bit flips, truncations,
 * insertions, wrong section counts, huge or tiny EDNS payload sizes, EDNS versions, opcodes,
 * the QR bit, and compression pointers that loop.
 */
final class DnsPacketGenerator {
  private static final String[] NAMES = {
      "gen.service.roster.", "_gen._tcp.service.roster.", "g1.gen.service.roster.", "z1.zone.gen.service.roster.",
      "roster.", "service.roster.", "example.com.", "nope.service.roster.", "GEN.SERVICE.ROSTER.", "a.b.c.d.e.roster.",
      "x-y.service.roster.", "."};
  private static final int[] TYPES = {Type.A, Type.AAAA, Type.SRV, Type.SOA, Type.ANY, Type.TXT, Type.NS, 0, 65535};

  private DnsPacketGenerator() {}

  static byte[] next(SplittableRandom random) {
    String name = NAMES[random.nextInt(NAMES.length)];
    int type = TYPES[random.nextInt(TYPES.length)];
    int edns = switch (random.nextInt(6)) {
      case 0, 1 -> 0;
      case 2 -> 65_535;
      case 3 -> 1 + random.nextInt(600);
      default -> 512 + random.nextInt(4000);
    };
    byte[] packet = Dns.query(name, type, edns).toWire();
    int mutations = random.nextInt(4);
    for (int m = 0; m < mutations; m++) {
      packet = mutate(packet, random);
    }
    return packet;
  }

  private static byte[] mutate(byte[] p, SplittableRandom random) {
    switch (random.nextInt(9)) {
      case 0 -> {
        if (p.length > 0) {
          int at = random.nextInt(p.length);
          p[at] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> p = Arrays.copyOf(p, random.nextInt(p.length + 1));
      case 2 -> {
        int at = random.nextInt(p.length + 1);
        byte[] extra = new byte[1 + random.nextInt(16)];
        for (int i = 0; i < extra.length; i++) {
          extra[i] = (byte) random.nextInt(256);
        }
        byte[] q = new byte[p.length + extra.length];
        System.arraycopy(p, 0, q, 0, at);
        System.arraycopy(extra, 0, q, at, extra.length);
        System.arraycopy(p, at, q, at + extra.length, p.length - at);
        p = q;
      }
      case 3 -> {
        if (p.length >= 12) {
          int count = 4 + 2 * random.nextInt(4);
          int value = random.nextInt(4) == 0 ? 65_535 : random.nextInt(4);
          p[count] = (byte) (value >> 8);
          p[count + 1] = (byte) value;
        }
      }
      case 4 -> {
        // A compression pointer to itself, or to the header.
        if (p.length >= 14) {
          p[12] = (byte) 0xC0;
          p[13] = (byte) (random.nextBoolean() ? 12 : random.nextInt(12));
        }
      }
      case 5 -> {
        if (p.length >= 3) {
          p[2] = (byte) ((p[2] & 0x87) | (random.nextInt(16) << 3));
        }
      }
      case 6 -> {
        if (p.length >= 3) {
          p[2] ^= (byte) 0x80;
        }
      }
      case 7 -> {
        // The OPT's payload size and version, if the packet ends with one.
        if (p.length >= 23 && p[p.length - 11] == 0 && p[p.length - 10] == 0 && p[p.length - 9] == 41) {
          int size = random.nextInt(65_536);
          p[p.length - 8] = (byte) (size >> 8);
          p[p.length - 7] = (byte) size;
          p[p.length - 5] = (byte) random.nextInt(3);
        }
      }
      default -> {
        byte[] junk = new byte[random.nextInt(40)];
        for (int i = 0; i < junk.length; i++) {
          junk[i] = (byte) random.nextInt(256);
        }
        p = junk;
      }
    }
    return p;
  }
}
