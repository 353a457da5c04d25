package dev.roster.embedded;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.zookeeper.server.Request;

/**
 * Requests received by the server, per session and per operation name. Recording runs on
 * ZooKeeper's connection threads for every request, so it must not take a lock: after the
 * first request of a kind the path is two map reads and a {@link LongAdder} increment.
 */
final class RequestCounts {
  private final ConcurrentMap<Long, ConcurrentMap<String, LongAdder>> bySession =
      new ConcurrentHashMap<>();

  void record(long sessionId, int type) {
    ConcurrentMap<String, LongAdder> ofSession = bySession.get(sessionId);
    if (ofSession == null) {
      ofSession = bySession.computeIfAbsent(sessionId, id -> new ConcurrentHashMap<>());
    }
    String op = Request.op2String(type);
    LongAdder adder = ofSession.get(op);
    if (adder == null) {
      adder = ofSession.computeIfAbsent(op, name -> new LongAdder());
    }
    adder.increment();
  }

  SortedMap<String, Long> of(long sessionId) {
    SortedMap<String, Long> copy = new TreeMap<>();
    ConcurrentMap<String, LongAdder> ofSession = bySession.get(sessionId);
    if (ofSession != null) {
      ofSession.forEach((op, adder) -> copy.put(op, adder.sum()));
    }
    return Collections.unmodifiableSortedMap(copy);
  }

  SortedMap<String, Long> total() {
    SortedMap<String, Long> sum = new TreeMap<>();
    for (Map<String, LongAdder> ofSession : bySession.values()) {
      ofSession.forEach((op, adder) -> sum.merge(op, adder.sum(), Long::sum));
    }
    return Collections.unmodifiableSortedMap(sum);
  }

  void reset() {
    bySession.clear();
  }
}
