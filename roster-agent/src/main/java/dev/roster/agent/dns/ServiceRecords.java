package dev.roster.agent.dns;

import dev.roster.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TextParseException;

/**
 * Every DNS record one service can be answered with, built once per change of its view (on the
 * agent's event path), so that a query only picks a set, shuffles it and writes it. Public only
 * because the agent's {@code ServiceState} holds one; nothing of it is API.
 *
 * <p>Owner names are built with the configured domain in lower case; dnsjava compresses each to a
 * pointer to the question (its name comparison ignores case), so a client sees the case it sent.
 */
public final class ServiceRecords {
  /** A, AAAA and SRV records of one owner name, and the SRV targets' addresses (glue). */
  static final class RecordSet {
    static final RecordSet EMPTY = new RecordSet(List.of(), List.of(), List.of(), List.of());

    final Record[] a;
    final Record[] aaaa;
    final Record[] srv;
    /** Parallel to {@link #srv}: the target's A or AAAA record, or null (a hostname target). */
    final @Nullable Record[] glue;

    RecordSet(List<Record> a, List<Record> aaaa, List<Record> srv, List<@Nullable Record> glue) {
      this.a = a.toArray(new Record[0]);
      this.aaaa = aaaa.toArray(new Record[0]);
      this.srv = srv.toArray(new Record[0]);
      this.glue = glue.toArray(new Record[0]);
    }
  }

  /** Hostnames as RFC 1123 allows (and underscores, which real names carry), 1-253 characters. */
  private static final Pattern HOSTNAME = Pattern.compile(
      "(?=.{1,253}\\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
          + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");
  static final ServiceRecords UNKNOWN = new ServiceRecords(false, RecordSet.EMPTY, RecordSet.EMPTY, Map.of(), Map.of());

  /** Whether the view holds any instance, in any status: if not, the service's names are NXDOMAIN. */
  final boolean known;
  /** Owner {@code <service>.service.D}. */
  final RecordSet service;
  /** Owner {@code _<service>._tcp.service.D}: SRV and glue only. */
  final RecordSet tcp;
  /** Every instance id that is one label: its address record if UP with an IP address, else none. */
  final Map<String, Record[]> ids;
  /** Zone to the UP instances in it, owner {@code <zone>.zone.<service>.service.D}. */
  final Map<String, RecordSet> zones;

  private ServiceRecords(boolean known, RecordSet service, RecordSet tcp, Map<String, Record[]> ids,
      Map<String, RecordSet> zones) {
    this.known = known;
    this.service = service;
    this.tcp = tcp;
    this.ids = ids;
    this.zones = zones;
  }

  /** Accumulates one RecordSet. */
  private static final class Builder {
    final List<Record> a = new ArrayList<>();
    final List<Record> aaaa = new ArrayList<>();
    final List<Record> srv = new ArrayList<>();
    final List<@Nullable Record> glue = new ArrayList<>();

    RecordSet build() {
      return new RecordSet(a, aaaa, srv, glue);
    }
  }

  /**
   * Builds the records of {@code service} from its view's list. Instances whose address is a
   * hostname are not resolved (the agent is not a resolver, and its answer would outlive the
   * hostname's own TTL): they are left out of A and AAAA, and their SRV target is the hostname
   * itself, with no glue. Ids longer than one label (63 bytes) are left out of SRV. Both are
   * counted in {@code roster.agent.dns.unanswerable}.
   */
  static ServiceRecords build(Name serviceDomain, long ttl, String service, List<ServiceInstance> instances,
      DnsMeters meters) {
    if (instances.isEmpty()) {
      return UNKNOWN;
    }
    byte[] serviceLabel = service.getBytes(StandardCharsets.UTF_8);
    Name owner;
    Name tcpOwner;
    try {
      owner = prepend(serviceLabel, serviceDomain);
      byte[] underscored = new byte[serviceLabel.length + 1];
      underscored[0] = '_';
      System.arraycopy(serviceLabel, 0, underscored, 1, serviceLabel.length);
      tcpOwner = prepend(underscored, Name.fromString("_tcp", serviceDomain));
    } catch (TextParseException e) {
      // A service name longer than a label: no query can name it, but it exists.
      return new ServiceRecords(true, RecordSet.EMPTY, RecordSet.EMPTY, Map.of(), Map.of());
    }
    Builder all = new Builder();
    Builder tcp = new Builder();
    Map<String, Builder> zones = new HashMap<>();
    Map<String, Record[]> ids = new HashMap<>();
    int hostnames = 0;
    int longIds = 0;
    int badAddresses = 0;
    for (ServiceInstance i : instances) {
      String address = i.address();
      if (address.length() > 2 && address.startsWith("[") && address.endsWith("]")) {
        address = address.substring(1, address.length() - 1);
      }
      byte[] ip = Address.toByteArray(address, Address.IPv4);
      if (ip == null) {
        ip = Address.toByteArray(address, Address.IPv6);
      }
      Name hostname = null;
      if (ip == null) {
        if (HOSTNAME.matcher(address).matches() && !address.matches("[0-9.]+")) {
          try {
            hostname = Name.fromString(address.endsWith(".") ? address : address + ".");
          } catch (TextParseException e) {
            hostname = null;
          }
        }
        if (hostname == null) {
          badAddresses++;
          continue;
        }
      }
      byte[] idLabel = i.id().getBytes(StandardCharsets.UTF_8);
      Name idName = null;
      if (idLabel.length <= 63) {
        try {
          idName = prepend(idLabel, owner);
        } catch (TextParseException e) {
          idName = null;
        }
      }
      Record idAddress = null;
      if (ip != null && idName != null) {
        idAddress = address(idName, ttl, ip);
      }
      boolean up = i.status() == ServiceInstance.Status.UP;
      if (idName != null) {
        ids.put(i.id(), up && idAddress != null ? new Record[] {idAddress} : new Record[0]);
      }
      if (!up) {
        continue;
      }
      if (ip == null) {
        hostnames++;
      }
      Name target = ip != null ? idName : hostname;
      if (target == null) {
        longIds++;
      }
      String zone = i.zone();
      Name zoneOwner = null;
      if (zone != null && !zone.isEmpty()) {
        byte[] zoneLabel = zone.getBytes(StandardCharsets.UTF_8);
        if (zoneLabel.length <= 63) {
          try {
            zoneOwner = prepend(zoneLabel, Name.fromString("zone", owner));
          } catch (TextParseException e) {
            zoneOwner = null;
          }
        }
      }
      int weight = Math.max(0, Math.min(65535, i.weight()));
      int port = Math.max(0, Math.min(65535, i.port()));
      add(all, owner, ttl, ip, target, weight, port, idAddress);
      add(tcp, tcpOwner, ttl, null, target, weight, port, idAddress);
      if (zoneOwner != null) {
        add(zones.computeIfAbsent(zone, z -> new Builder()), zoneOwner, ttl, ip, target, weight, port, idAddress);
      }
    }
    meters.unanswerable("hostname", hostnames);
    meters.unanswerable("long-id", longIds);
    meters.unanswerable("bad-address", badAddresses);
    Map<String, RecordSet> zoneSets = new HashMap<>();
    zones.forEach((z, b) -> zoneSets.put(z, b.build()));
    return new ServiceRecords(true, all.build(), tcp.build(), Map.copyOf(ids), Map.copyOf(zoneSets));
  }

  private static void add(Builder b, Name owner, long ttl, byte @Nullable [] ip, @Nullable Name target, int weight,
      int port, @Nullable Record glue) {
    if (ip != null) {
      (ip.length == 4 ? b.a : b.aaaa).add(address(owner, ttl, ip));
    }
    if (target != null) {
      b.srv.add(new SRVRecord(owner, DClass.IN, ttl, 1, weight, port, target));
      b.glue.add(glue);
    }
  }

  private static Record address(Name owner, long ttl, byte[] ip) {
    return ip.length == 4 ? new ARecord(owner, DClass.IN, ttl, ip) : new AAAARecord(owner, DClass.IN, ttl, ip);
  }

  /**
   * {@code label.origin}, the label taken as bytes, whatever they are: a dot in an id stays
   * inside its one label.
   *
   * @throws TextParseException if the label is empty or longer than 63 bytes, or the name longer
   *     than 255
   */
  static Name prepend(byte[] label, Name origin) throws TextParseException {
    if (label.length == 0 || label.length > 63) {
      throw new TextParseException("not one label");
    }
    StringBuilder text = new StringBuilder(label.length * 2);
    for (byte x : label) {
      int b = x & 0xFF;
      if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '_') {
        text.append((char) b);
      } else {
        text.append('\\').append((char) ('0' + b / 100)).append((char) ('0' + b / 10 % 10)).append((char) ('0' + b % 10));
      }
    }
    return Name.fromString(text.toString(), origin);
  }
}
