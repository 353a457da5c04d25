package dev.roster.agent.dns;

import org.jspecify.annotations.Nullable;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * One reply being built: the question, the answers {@link DnsHandler} chose (and their glue),
 * and how it is written within what the transport allows. Sized before it is written, so a
 * large service's reply is built once with the answers that fit.
 */
final class DnsReply {
  final Message query;
  final Record question;
  final boolean edns;
  final int max;
  final boolean tcp;
  private final DnsMeters meters;
  private final SOARecord soa;
  Record[] answers = new Record[0];
  @Nullable Record @Nullable [] glue;

  DnsReply(Message query, Record question, boolean edns, int max, boolean tcp, DnsMeters meters,
      SOARecord soa) {
    this.meters = meters;
    this.soa = soa;
    this.query = query;
    this.question = question;
    this.edns = edns;
    this.max = max;
    this.tcp = tcp;
  }

  /** NXDOMAIN or NODATA (NOERROR, nothing), with D's SOA for negative caching. */
  byte[] negative(int type, int rcode) {
    answers = new Record[0];
    glue = null;
    Message m = message(rcode, true, 0);
    m.addRecord(soa, Section.AUTHORITY);
    meters.query(type, rcode);
    return m.toWire(max);
  }

  byte[] finish(int type, int rcode, boolean authoritative) {
    meters.query(type, rcode);
    int count = answers.length;
    int k = fitting(count);
    if (k == count) {
      byte[] wire = message(rcode, authoritative, count).toWire();
      if (wire.length <= max) {
        return wire;
      }
    }
    return trimmed(k);
  }

  /**
   * How many answers (with their glue) fit in {@link #max} bytes, counted from their sizes
   * before anything is written: dnsjava's bounded {@code toWire(max)} checks the limit set by
   * set, and took about 1 ms for 1,000 answers, 15 times its unbounded {@code toWire()}, so
   * a large service answered a few thousand queries a second. Each answer's owner is the
   * question's name, written as a 2-byte pointer to it; glue is counted with its name in
   * full, so the count errs short, never long.
   */
  private int fitting(int count) {
    int size = Header.LENGTH + question.getName().length() + 4 + (edns ? OPT_SIZE : 0);
    int k = 0;
    while (k < count) {
      int next = recordSize(answers[k]);
      if (glue != null && glue[k] != null) {
        next += glueSize(glue[k]);
      }
      if (size + next > max) {
        break;
      }
      size += next;
      k++;
    }
    return k;
  }
  /** The reply with the first {@code count} answers and their glue. */
  private Message message(int rcode, boolean authoritative, int count) {
    Header h = new Header(query.getHeader().getID());
    h.setFlag(Flags.QR);
    if (authoritative) {
      h.setFlag(Flags.AA);
    }
    if (query.getHeader().getFlag(Flags.RD)) {
      h.setFlag(Flags.RD);
    }
    int wire = rcode(rcode);
    h.setRcode(wire & 0xF);
    Message m = new Message();
    m.setHeader(h);
    m.addRecord(question, Section.QUESTION);
    for (int i = 0; i < count; i++) {
      m.addRecord(answers[i], Section.ANSWER);
    }
    if (glue != null) {
      for (int i = 0; i < count; i++) {
        Record g = glue[i];
        if (g != null) {
          m.addRecord(g, Section.ADDITIONAL);
        }
      }
    }
    if (edns) {
      m.addRecord(new OPTRecord(DnsHandler.ADVERTISED_PAYLOAD, wire >> 4, 0), Section.ADDITIONAL);
    }
    return m;
  }

  /**
   * The reply with the first {@code k} answers, which do not hold them all: over UDP with TC
   * set, so the client retries over TCP; over TCP (65,535 bytes) a random subset, since they
   * were shuffled, without TC, as Consul does, since no transport holds more.
   */
  private byte[] trimmed(int k) {
    byte[] wire = message(DnsMeters.NOERROR, true, k).toWire();
    while (wire.length > max && k > 0) {
      // Not expected (the sizes are exact or err short): fewer, until it fits.
      k = k / 2;
      wire = message(DnsMeters.NOERROR, true, k).toWire();
    }
    if (tcp) {
      wire[2] &= (byte) ~0x02;
    } else {
      wire[2] |= 0x02;
    }
    return wire;
  }

  /** An OPT record with no options: root name, type, class, TTL, rdata length. */
  private static final int OPT_SIZE = 1 + 2 + 2 + 4 + 2;

  /** A glue record's size with its owner name written in full (compression only shortens it). */
  private static int glueSize(Record r) {
    return r.getName().length() + recordSize(r) - 2;
  }

  private static int recordSize(Record r) {
    int rdata = switch (r.getType()) {
      case Type.A -> 4;
      case Type.AAAA -> 16;
      case Type.SRV -> 6 + ((SRVRecord) r).getTarget().length();
      default -> r.rdataToWireCanonical().length;
    };
    return 2 + 10 + rdata;
  }

  /** The wire rcode of one of {@link DnsMeters}' rcodes. */
  private static int rcode(int rcode) {
    return switch (rcode) {
      case DnsMeters.NOERROR -> Rcode.NOERROR;
      case DnsMeters.NXDOMAIN -> Rcode.NXDOMAIN;
      case DnsMeters.REFUSED -> Rcode.REFUSED;
      case DnsMeters.FORMERR -> Rcode.FORMERR;
      case DnsMeters.NOTIMP -> Rcode.NOTIMP;
      case DnsMeters.BADVERS -> Rcode.BADVERS;
      default -> Rcode.SERVFAIL;
    };
  }
}
