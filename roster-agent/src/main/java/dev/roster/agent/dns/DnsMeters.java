package dev.roster.agent.dns;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The DNS interface's meters. Query counters are looked up once per (type, rcode) pair and then
 * held, so counting a query costs an array read and an add, not a registry lookup.
 */
final class DnsMeters {
  static final String[] TYPES = {"A", "AAAA", "SRV", "SOA", "ANY", "OTHER"};
  static final int A = 0;
  static final int AAAA = 1;
  static final int SRV = 2;
  static final int SOA = 3;
  static final int ANY = 4;
  static final int OTHER = 5;
  static final String[] RCODES = {"NOERROR", "NXDOMAIN", "REFUSED", "FORMERR", "SERVFAIL", "NOTIMP", "BADVERS"};
  static final int NOERROR = 0;
  static final int NXDOMAIN = 1;
  static final int REFUSED = 2;
  static final int FORMERR = 3;
  static final int SERVFAIL = 4;
  static final int NOTIMP = 5;
  static final int BADVERS = 6;

  private final MeterRegistry registry;
  private final AtomicReferenceArray<Counter> queries = new AtomicReferenceArray<>(TYPES.length * RCODES.length);

  DnsMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  void query(int type, int rcode) {
    int slot = type * RCODES.length + rcode;
    Counter c = queries.get(slot);
    if (c == null) {
      c = Counter.builder("roster.agent.dns.queries")
          .description("DNS queries answered, by query type and response code")
          .tags("type", TYPES[type], "rcode", RCODES[rcode])
          .register(registry);
      queries.set(slot, c);
    }
    c.increment();
  }

  /** A packet that got no answer: {@code short}, {@code response}, {@code rate-limited}, ... */
  void dropped(String reason) {
    Counter.builder("roster.agent.dns.dropped")
        .description("DNS packets the agent did not answer, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** An instance left out of its service's A and AAAA answers (or its SRV answer). */
  void unanswerable(String reason, int count) {
    if (count > 0) {
      Counter.builder("roster.agent.dns.unanswerable")
          .description("Instances left out of a service's rebuilt DNS answers, by reason")
          .tag("reason", reason)
          .register(registry)
          .increment(count);
    }
  }

  /** The type label of a query type, bounded to {@link #TYPES}. */
  static int typeOf(int qtype) {
    return switch (qtype) {
      case org.xbill.DNS.Type.A -> A;
      case org.xbill.DNS.Type.AAAA -> AAAA;
      case org.xbill.DNS.Type.SRV -> SRV;
      case org.xbill.DNS.Type.SOA -> SOA;
      case org.xbill.DNS.Type.ANY -> ANY;
      default -> OTHER;
    };
  }
}
