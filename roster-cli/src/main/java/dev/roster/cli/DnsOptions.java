package dev.roster.cli;

import dev.roster.agent.Agent;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code roster up}'s DNS options: where the agent answers DNS and how, checked into the
 * agent's builder before anything starts, and the banner's DNS line.
 */
final class DnsOptions {
  @Option(
      names = "--dns",
      paramLabel = "HOST:PORT|off",
      defaultValue = "127.0.0.1:8600",
      description = "Where the agent answers DNS, over UDP and TCP (default: ${DEFAULT-VALUE}; port 0 picks a "
          + "free one; 'off' for none). DNS has no token: keep it on loopback unless the network is trusted.")
  String address;

  @Option(
      names = "--dns-domain",
      paramLabel = "DOMAIN",
      defaultValue = "roster",
      description = "The domain the agent answers for (default: ${DEFAULT-VALUE}); other names get REFUSED.")
  String domain;

  @Option(
      names = "--dns-ttl",
      paramLabel = "DURATION",
      defaultValue = "0s",
      converter = DurationConverter.OrZero.class,
      description = "The TTL of every DNS answer (default: ${DEFAULT-VALUE}: resolvers ask again each time, "
          + "and a change is seen at once).")
  Duration ttl;

  @Option(
      names = "--dns-rate-limit",
      paramLabel = "QUERIES",
      defaultValue = "5000",
      description = "DNS queries a second each source address may send, beyond loopback (default: "
          + "${DEFAULT-VALUE}; 0: no limit). Over UDP the rest are dropped, over TCP refused.")
  int rateLimit;

  /**
   * Sets the agent's DNS from the options, unless {@code --dns off}.
   *
   * @throws IllegalArgumentException naming the option that is wrong (a usage error)
   */
  void applyTo(Agent.Builder builder) {
    if (address.equalsIgnoreCase("off")) {
      return;
    }
    HostPort bind;
    try {
      bind = HostPort.parse(address);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--dns '" + address + "': expected HOST:PORT such as 127.0.0.1:8600 (port 0"
          + " picks a free one), or off");
    }
    InetSocketAddress at = new InetSocketAddress(bind.host(), bind.port());
    if (at.isUnresolved()) {
      throw new IllegalArgumentException("--dns '" + address + "': unknown host " + bind.host());
    }
    builder.dns(at);
    option("--dns-domain", () -> builder.dnsDomain(domain));
    option("--dns-ttl", () -> builder.dnsTtl(ttl));
    option("--dns-rate-limit", () -> builder.dnsRateLimit(rateLimit));
  }

  /** Whether the agent failed to start because of its DNS (the agent's messages start "dns "). */
  static boolean isDnsFailure(IllegalStateException e) {
    return e.getMessage() != null && e.getMessage().startsWith("dns ");
  }

  /** What to tell the user when the DNS address could not be bound. */
  CommandFailure bindFailure(IllegalStateException e) {
    return new CommandFailure("the agent could not answer DNS on " + address + " (is it in use?); pass --dns to"
        + " choose another, or --dns off", e);
  }

  /** The banner's DNS line, with a dig command for it; nothing with --dns off. */
  void printBanner(PrintWriter out, Agent agent) {
    InetSocketAddress at = agent.dnsAddress();
    if (at == null) {
      return;
    }
    String host = at.getAddress().getHostAddress();
    String zone = domain.replaceAll("\\.$", "").toLowerCase(Locale.ROOT);
    out.println("  DNS        " + (host.contains(":") ? "[" + host + "]" : host) + ":" + at.getPort()
        + "   (UDP and TCP; dig @" + host + " -p " + at.getPort() + " payments.service." + zone + " SRV)");
  }

  /** Runs one builder setting, so that a refusal names the option it came from. */
  private static void option(String name, Runnable setting) {
    try {
      setting.run();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
  }
}
