package dev.roster.agent.dns;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Turns one DNS packet into its reply, for either transport: parse with dnsjava, rate-limit,
 * route the question name, pick the precomputed records, shuffle them and write as much as the
 * transport allows. It never throws: whatever goes wrong with a packet is a FORMERR, a SERVFAIL
 * or no reply.
 *
 * <p>Names, relative to the domain D: {@code D} (SOA); {@code <svc>.service.D} (A, AAAA, SRV);
 * {@code _<svc>._tcp.service.D} (SRV); {@code <id>.<svc>.service.D} (A, AAAA: the SRV targets);
 * {@code <zone>.zone.<svc>.service.D} (A, AAAA, SRV of that zone). D and the fixed labels match
 * in any case; service names, ids and zones as sent, since Roster's are case-sensitive.
 *
 * <p>A question about a service whose view is not open yet opens it and is answered when the view
 * is ready, from another thread, so the receiving thread never waits; a view not ready within
 * {@link #READY_WAIT} is a SERVFAIL.
 */
final class DnsHandler {
  private static final Logger log = LoggerFactory.getLogger(DnsHandler.class);
  /** Returned by {@link #handle} when the reply will be passed to its callback later. */
  static final byte[] DEFERRED = new byte[0];
  static final int UDP_PLAIN = 512;
  static final int UDP_MAX = 4096;
  static final int TCP_MAX = 65535;
  /** The payload size the agent advertises in its own OPT records (the DNS flag day's value). */
  static final int ADVERTISED_PAYLOAD = 1232;
  static final Duration READY_WAIT = Duration.ofSeconds(1);
  /** The most questions waiting at once for views to become ready; beyond, SERVFAIL at once. */
  static final int MAX_DEFERRED = 10_000;

  private final Name domain;
  private final Name serviceDomain;
  private final long ttl;
  private final SOARecord soa;
  private final DnsMeters meters;
  private final RateLimiter limiter;
  private final Executor deferred;
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile DnsServer.@Nullable Catalog catalog;

  DnsHandler(Name domain, long ttl, DnsMeters meters, RateLimiter limiter, Executor deferred) {
    this.domain = domain;
    this.ttl = ttl;
    this.meters = meters;
    this.limiter = limiter;
    this.deferred = deferred;
    try {
      this.serviceDomain = Name.fromString("service", domain);
      this.soa = new SOARecord(domain, DClass.IN, ttl, Name.fromString("ns", domain),
          Name.fromString("hostmaster", domain), 1, 3600, 600, 86400, ttl);
    } catch (org.xbill.DNS.TextParseException e) {
      throw new IllegalArgumentException("dns domain '" + domain + "': too long", e);
    }
  }

  Name serviceDomain() {
    return serviceDomain;
  }

  void catalog(DnsServer.Catalog catalog) {
    this.catalog = catalog;
  }

  /**
   * The reply to {@code packet[0, length)} from {@code source}: the bytes to send now, null for
   * none (dropped), or {@link #DEFERRED}, and then {@code later} gets the reply (or null) once.
   */
  byte @Nullable [] handle(byte[] packet, int length, InetAddress source, boolean tcp,
      Consumer<byte @Nullable []> later) {
    try {
      return answer(packet, length, source, tcp, later);
    } catch (RuntimeException | StackOverflowError e) {
      // A bug, not bad input: the packet still gets its SERVFAIL, and the loop goes on.
      log.warn("DNS query could not be answered", e);
      if (length < Header.LENGTH) {
        return null;
      }
      meters.query(DnsMeters.OTHER, DnsMeters.SERVFAIL);
      return headerOnly(packet, Rcode.SERVFAIL);
    }
  }

  private byte @Nullable [] answer(byte[] packet, int length, InetAddress source, boolean tcp,
      Consumer<byte @Nullable []> later) {
    if (length < Header.LENGTH) {
      meters.dropped("short");
      return null;
    }
    int flags = ((packet[2] & 0xFF) << 8) | (packet[3] & 0xFF);
    if ((flags & 0x8000) != 0) {
      // A response sent to us: answering it could loop two servers, or reflect.
      meters.dropped("response");
      return null;
    }
    if (!tcp && !limiter.allow(source)) {
      // No reply at all: a spoofed source must not be able to aim the agent's replies at a victim.
      meters.dropped("rate-limited");
      return null;
    }
    int opcode = (flags >> 11) & 0xF;
    if (opcode != Opcode.QUERY) {
      meters.query(DnsMeters.OTHER, DnsMeters.NOTIMP);
      return headerOnly(packet, Rcode.NOTIMP);
    }
    Message query;
    try {
      query = new Message(length == packet.length ? packet : java.util.Arrays.copyOf(packet, length));
    } catch (java.io.IOException | RuntimeException e) {
      meters.query(DnsMeters.OTHER, DnsMeters.FORMERR);
      return headerOnly(packet, Rcode.FORMERR);
    }
    List<Record> questions = query.getSection(Section.QUESTION);
    int opts = 0;
    for (Record r : query.getSection(Section.ADDITIONAL)) {
      if (r.getType() == Type.OPT) {
        opts++;
      }
    }
    if (questions.size() != 1 || opts > 1) {
      meters.query(DnsMeters.OTHER, DnsMeters.FORMERR);
      return headerOnly(packet, Rcode.FORMERR);
    }
    Record question = questions.get(0);
    int type = DnsMeters.typeOf(question.getType());
    OPTRecord opt = query.getOPT();
    int max;
    if (tcp) {
      max = TCP_MAX;
    } else if (opt == null) {
      max = UDP_PLAIN;
    } else {
      max = Math.max(UDP_PLAIN, Math.min(UDP_MAX, opt.getPayloadSize()));
    }
    DnsReply reply = new DnsReply(query, question, opt != null, max, tcp, meters, soa);
    if (opt != null && opt.getVersion() > 0) {
      return reply.finish(type, DnsMeters.BADVERS, false);
    }
    if (tcp && !limiter.allow(source)) {
      // Over TCP the source is proven by the handshake: tell it to back off.
      meters.dropped("rate-limited");
      return reply.finish(type, DnsMeters.REFUSED, false);
    }
    Name qname = question.getName();
    if (!qname.subdomain(domain)) {
      // Not ours: never a recursion, never a forward, and no authority claimed.
      return reply.finish(type, DnsMeters.REFUSED, false);
    }
    if (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) {
      return reply.finish(type, DnsMeters.REFUSED, false);
    }
    int relative = qname.labels() - domain.labels();
    int qtype = question.getType();
    if (relative == 0) {
      if (qtype == Type.SOA || qtype == Type.ANY) {
        reply.answers = new Record[] {soa};
        return reply.finish(type, DnsMeters.NOERROR, true);
      }
      return reply.negative(type, DnsMeters.NOERROR);
    }
    if (!fixed(qname, relative - 1, "service")) {
      return reply.negative(type, DnsMeters.NXDOMAIN);
    }
    if (relative == 1) {
      // service.D has names below it: it exists, with no records of its own.
      return reply.negative(type, DnsMeters.NOERROR);
    }
    Route route;
    if (relative == 2) {
      route = new Route(Route.SERVICE, text(qname, 0), null);
    } else if (relative == 3 && fixed(qname, 1, "_tcp")) {
      String label = text(qname, 0);
      if (label.length() < 2 || label.charAt(0) != '_') {
        return reply.negative(type, DnsMeters.NXDOMAIN);
      }
      route = new Route(Route.TCP, label.substring(1), null);
    } else if (relative == 3) {
      route = new Route(Route.ID, text(qname, 1), text(qname, 0));
    } else if (relative == 4 && fixed(qname, 1, "zone")) {
      route = new Route(Route.ZONE, text(qname, 2), text(qname, 0));
    } else {
      return reply.negative(type, DnsMeters.NXDOMAIN);
    }
    if (!isServiceName(route.service)) {
      return reply.negative(type, DnsMeters.NXDOMAIN);
    }
    DnsServer.Catalog c = catalog;
    if (c == null) {
      return reply.finish(type, DnsMeters.SERVFAIL, false);
    }
    DnsServer.Entry entry;
    try {
      entry = c.open(route.service);
    } catch (IllegalArgumentException e) {
      return reply.negative(type, DnsMeters.NXDOMAIN);
    } catch (IllegalStateException e) {
      // The agent watches all the services it may, every one in use.
      return reply.finish(type, DnsMeters.SERVFAIL, false);
    }
    ServiceRecords records = entry.dnsRecords();
    if (records != null) {
      return records(reply, type, qtype, route, records);
    }
    if (waiting.incrementAndGet() > MAX_DEFERRED) {
      waiting.decrementAndGet();
      return reply.finish(type, DnsMeters.SERVFAIL, false);
    }
    CompletableFuture<?> ready = entry.whenReady().copy().orTimeout(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    try {
      ready.whenCompleteAsync((ok, failed) -> {
        waiting.decrementAndGet();
        byte @Nullable [] bytes;
        try {
          ServiceRecords now = failed == null ? entry.dnsRecords() : null;
          bytes = now == null ? reply.finish(type, DnsMeters.SERVFAIL, false) : records(reply, type, qtype, route, now);
        } catch (RuntimeException e) {
          log.warn("DNS query could not be answered", e);
          bytes = null;
        }
        later.accept(bytes);
      }, deferred);
    } catch (RejectedExecutionException e) {
      waiting.decrementAndGet();
      return reply.finish(type, DnsMeters.SERVFAIL, false);
    }
    return DEFERRED;
  }

  /** What the question asks for, once its name is parsed. */
  private record Route(int form, String service, @Nullable String detail) {
    static final int SERVICE = 0;
    static final int TCP = 1;
    static final int ID = 2;
    static final int ZONE = 3;
  }

  private byte[] records(DnsReply reply, int type, int qtype, Route route, ServiceRecords records) {
    if (!records.known) {
      return reply.negative(type, DnsMeters.NXDOMAIN);
    }
    ServiceRecords.RecordSet set;
    switch (route.form) {
      case Route.SERVICE -> set = records.service;
      case Route.TCP -> set = records.tcp;
      case Route.ZONE -> {
        set = records.zones.get(route.detail);
        if (set == null) {
          // A zone with nothing UP in it (or no such zone): the name exists for all we know.
          return reply.negative(type, DnsMeters.NOERROR);
        }
      }
      default -> {
        Record[] address = records.ids.get(route.detail);
        if (address == null) {
          return reply.negative(type, DnsMeters.NXDOMAIN);
        }
        Record[] picked = address.length == 1 && (qtype == Type.ANY || qtype == address[0].getType())
            ? address : new Record[0];
        if (picked.length == 0) {
          return reply.negative(type, DnsMeters.NOERROR);
        }
        reply.answers = picked;
        return reply.finish(type, DnsMeters.NOERROR, true);
      }
    }
    switch (qtype) {
      case Type.A -> reply.answers = shuffled(set.a, null, null);
      case Type.AAAA -> reply.answers = shuffled(set.aaaa, null, null);
      case Type.SRV -> {
        Record[] glue = new Record[set.srv.length];
        reply.answers = shuffled(set.srv, set.glue, glue);
        reply.glue = glue;
      }
      case Type.ANY -> {
        Record[] both = new Record[set.a.length + set.aaaa.length];
        System.arraycopy(set.a, 0, both, 0, set.a.length);
        System.arraycopy(set.aaaa, 0, both, set.a.length, set.aaaa.length);
        reply.answers = shuffledInPlace(both);
      }
      default -> reply.answers = new Record[0];
    }
    if (reply.answers.length == 0) {
      return reply.negative(type, DnsMeters.NOERROR);
    }
    return reply.finish(type, DnsMeters.NOERROR, true);
  }

  /** A shuffled copy of {@code records}; {@code glueOut} gets {@code glue} in the same order. */
  private static Record[] shuffled(Record[] records, @Nullable Record @Nullable [] glue,
      @Nullable Record @Nullable [] glueOut) {
    Record[] out = records.clone();
    if (glue != null && glueOut != null) {
      System.arraycopy(glue, 0, glueOut, 0, glue.length);
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = out.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Record r = out[i];
      out[i] = out[j];
      out[j] = r;
      if (glueOut != null) {
        Record g = glueOut[i];
        glueOut[i] = glueOut[j];
        glueOut[j] = g;
      }
    }
    return out;
  }

  private static Record[] shuffledInPlace(Record[] records) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = records.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Record r = records[i];
      records[i] = records[j];
      records[j] = r;
    }
    return records;
  }



  /** A reply of just the header: the request's id and opcode, QR, RD as asked, and the rcode. */
  private static byte[] headerOnly(byte[] packet, int rcode) {
    byte[] wire = new byte[Header.LENGTH];
    wire[0] = packet[0];
    wire[1] = packet[1];
    // QR, the request's opcode and RD; AA, TC and RA clear.
    wire[2] = (byte) (0x80 | (packet[2] & 0x79));
    wire[3] = (byte) (rcode & 0xF);
    return wire;
  }

  /** Whether label {@code index} (0 = leftmost) is {@code expected}, in any case. */
  private static boolean fixed(Name name, int index, String expected) {
    byte[] label = name.getLabel(index);
    if (label.length - 1 != expected.length()) {
      return false;
    }
    for (int i = 0; i < expected.length(); i++) {
      int b = label[i + 1] & 0xFF;
      if (b >= 'A' && b <= 'Z') {
        b += 'a' - 'A';
      }
      if (b != expected.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Label {@code index} as text, each byte one char (names Roster can watch are ASCII). */
  private static String text(Name name, int index) {
    byte[] label = name.getLabel(index);
    return new String(label, 1, label.length - 1, StandardCharsets.ISO_8859_1);
  }

  /** What Roster can watch: 1-255 of {@code [A-Za-z0-9._:-]}, not {@code .} or {@code ..}. */
  static boolean isServiceName(String s) {
    if (s.isEmpty() || s.length() > 255 || s.equals(".") || s.equals("..")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == ':'
          || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** For tests and the fuzz target: answer and wait for a deferred reply. */
  byte @Nullable [] handleNow(byte[] packet, InetAddress source, boolean tcp) {
    CompletableFuture<byte @Nullable []> later = new CompletableFuture<>();
    byte[] now = handle(packet, packet.length, source, tcp, later::complete);
    if (now != DEFERRED) {
      return now;
    }
    try {
      return later.get(READY_WAIT.toMillis() * 5, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return null;
    }
  }
}
