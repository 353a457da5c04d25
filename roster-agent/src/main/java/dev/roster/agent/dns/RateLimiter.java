package dev.roster.agent.dns;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per source address: {@code rate} queries a second, bursts of as many. The map is
 * bounded: at {@link #MAX_SOURCES}, buckets that have refilled (their source went quiet) are
 * swept, at most once a second; if it is still full, new sources share one overflow bucket, so a
 * flood from spoofed addresses costs a bounded amount of memory and gets the rate of one source.
 * Loopback sources are exempt unless told otherwise: a local resolver (systemd-resolved, dnsmasq)
 * forwards every application's queries from 127.0.0.1.
 */
final class RateLimiter {
  static final int MAX_SOURCES = 65_536;

  private final double perNano;
  private final double burst;
  private final boolean limitLoopback;
  private final Map<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();
  private final Bucket overflow;
  private volatile long lastSweep;

  /** A rate of 0 limits nothing. */
  RateLimiter(int perSecond, boolean limitLoopback) {
    this.perNano = perSecond / 1e9;
    this.burst = perSecond;
    this.limitLoopback = limitLoopback;
    this.overflow = new Bucket(burst, System.nanoTime());
  }

  boolean allow(InetAddress source) {
    if (burst == 0 || (!limitLoopback && source.isLoopbackAddress())) {
      return true;
    }
    long now = System.nanoTime();
    Bucket b = buckets.get(source);
    if (b == null) {
      if (buckets.size() >= MAX_SOURCES) {
        sweep(now);
        if (buckets.size() >= MAX_SOURCES) {
          return overflow.take(now, perNano, burst);
        }
      }
      b = buckets.computeIfAbsent(source, s -> new Bucket(burst, now));
    }
    return b.take(now, perNano, burst);
  }

  private void sweep(long now) {
    if (now - lastSweep < 1_000_000_000L) {
      return;
    }
    lastSweep = now;
    buckets.values().removeIf(b -> b.full(now, perNano, burst));
  }

  int sources() {
    return buckets.size();
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.last = now;
    }

    synchronized boolean take(long now, double perNano, double burst) {
      refill(now, perNano, burst);
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    synchronized boolean full(long now, double perNano, double burst) {
      refill(now, perNano, burst);
      return tokens >= burst;
    }

    private void refill(long now, double perNano, double burst) {
      long elapsed = now - last;
      if (elapsed > 0) {
        tokens = Math.min(burst, tokens + elapsed * perNano);
        last = now;
      }
    }
  }
}
