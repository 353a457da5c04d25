package dev.roster.cli;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.balance.Selector;
import dev.roster.balance.Strategies;
import dev.roster.balance.Strategy;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code roster get}: picks one UP instance of a service with a load-balancing strategy and
 * prints its {@code host:port}, for scripts ({@code curl http://$(roster get payments)/}).
 * It is a {@link Selector} used once: one read of the service, one pick.
 */
@Command(
    name = "get",
    description = {
        "Pick one UP instance of a service and print its host:port (IPv6 in brackets), for scripts.",
        "",
        "Only UP instances are picked; if there is none, it says so on stderr and exits 3 (not found).",
        "",
        "Each run picks once, with a fresh strategy, so strategies that spread picks over time "
            + "cannot spread them across runs: round-robin and smooth-weighted-round-robin give the "
            + "same instance every time while the list is unchanged, and power-of-two has no "
            + "requests in flight to compare, so it is random. That is why the default is random. "
            + "With --key, rendezvous hashing sends the same key to the same instance in every run, "
            + "as Selector.pick(String) does in the library."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  roster get payments                      # prints 127.0.0.1:8081, say",
        "  curl \"http://$(roster get payments)/health\"",
        "  roster get payments --strategy weighted-random",
        "  roster get payments --key user-42        # same key, same instance",
        "  roster get payments --zone eu-west-1a    # this zone while half of it is up",
        "  roster get payments --zone eu-west-1a --min-healthy-share 0.7 \\",
        "      --strategy weighted-random",
        "  roster get payments --json | jq -r .id",
        "  roster get servers --codec raw --base-path /  # one of the textbook /servers"
    })
final class GetCommand extends BaseCommand implements Callable<Integer> {

  /** The strategies by the names the option takes. */
  enum StrategyName {
    ROUND_ROBIN(false, Strategies::roundRobin),
    RANDOM(false, Strategies::random),
    WEIGHTED_RANDOM(false, Strategies::weightedRandom),
    SMOOTH_WEIGHTED_ROUND_ROBIN(false, Strategies::smoothWeightedRoundRobin),
    POWER_OF_TWO(false, Strategies::powerOfTwoChoices),
    RENDEZVOUS(true, Strategies::rendezvous),
    WEIGHTED_RENDEZVOUS(true, Strategies::weightedRendezvous);

    final boolean hashing;
    private final Supplier<Strategy> factory;

    StrategyName(boolean hashing, Supplier<Strategy> factory) {
      this.hashing = hashing;
      this.factory = factory;
    }

    /** {@code weighted-random}: what the user types. */
    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    Strategy strategy() {
      return factory.get();
    }

    static String labels() {
      return Arrays.stream(values()).map(StrategyName::label).collect(Collectors.joining(", "));
    }

    static StrategyName parse(String text) {
      for (StrategyName name : values()) {
        if (name.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
          return name;
        }
      }
      throw new IllegalArgumentException("--strategy '" + text + "': unknown; expected one of " + labels());
    }
  }

  @Mixin ZooKeeperOptions zk;
  @Mixin CodecOption codec;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service to pick from, such as payments.")
  String service;

  @Option(names = "--strategy", paramLabel = "NAME",
      description = {
          "How to pick: round-robin, random, weighted-random, smooth-weighted-round-robin, power-of-two, "
              + "rendezvous or weighted-rendezvous (default: random; rendezvous with --key)."
      })
  String strategy;

  @Option(names = "--key", paramLabel = "KEY",
      description = "Pick by this key (a user or session id): the same key gets the same instance while it is up. "
          + "Needs a hashing strategy, rendezvous or weighted-rendezvous.")
  String key;

  @Option(names = "--zone", paramLabel = "ZONE",
      description = "Prefer instances in this zone while at least --min-healthy-share of them is up; "
          + "pick from every zone otherwise.")
  String zone;

  @Option(names = "--min-healthy-share", paramLabel = "SHARE", defaultValue = "0.5",
      description = "With --zone: the share of the zone's instances, 0 to 1, that must be up to stay in the zone "
          + "(default: ${DEFAULT-VALUE}).")
  double minHealthyShare;

  @Option(names = "--json", description = "Print the whole instance as one line of JSON, in the shape `roster ls SERVICE --json` uses.")
  boolean json;

  @Override
  public Integer call() {
    // Built first: bad input fails here, before anything is sent.
    Strategy chosen = strategy();
    PrintWriter out = spec.commandLine().getOut();
    ServiceInstance picked;
    List<ServiceInstance> known;
    try (Roster roster = zk.connect(codec.codec()); ServiceView view = roster.watch(service)) {
      Views.awaitReady(view, zk);
      Selector selector = view.selector(chosen);
      picked = key == null ? selector.pick() : selector.pick(key);
      known = view.instances();
    }
    if (picked == null) {
      throw CommandFailure.notFound("no instance of " + service + " is up" + notUp(known));
    }
    out.println(json ? Json.line(Json.instance(picked)) : picked.hostPort());
    out.flush();
    return ExitCodes.OK;
  }

  private Strategy strategy() {
    boolean zoneOptionsMatched = spec.commandLine().getParseResult().hasMatchedOption("--min-healthy-share");
    if (zoneOptionsMatched && zone == null) {
      throw new IllegalArgumentException("--min-healthy-share needs --zone");
    }
    StrategyName name;
    if (strategy != null) {
      name = StrategyName.parse(strategy);
    } else {
      name = key != null ? StrategyName.RENDEZVOUS : StrategyName.RANDOM;
    }
    if (key != null && !name.hashing) {
      throw new IllegalArgumentException("--key needs a hashing --strategy, rendezvous or weighted-rendezvous; "
          + name.label() + " would ignore the key");
    }
    if (key != null && key.isEmpty()) {
      throw new IllegalArgumentException("--key '': must not be empty");
    }
    Strategy inner = name.strategy();
    if (zone == null) {
      return inner;
    }
    if (!(minHealthyShare >= 0 && minHealthyShare <= 1)) {
      throw new IllegalArgumentException("--min-healthy-share " + minHealthyShare + ": must be between 0 and 1");
    }
    return Strategies.zoneAware(zone, minHealthyShare, inner);
  }

  /** {@code  (2 known: 1 DRAINING, 1 STARTING)}, or nothing when the service has no instance. */
  private static String notUp(List<ServiceInstance> known) {
    if (known.isEmpty()) {
      return "";
    }
    Map<String, Integer> byStatus = new TreeMap<>();
    known.forEach(i -> byStatus.merge(i.status().name(), 1, Integer::sum));
    return " (" + known.size() + " known: " + byStatus.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey())
        .collect(Collectors.joining(", ")) + ")";
  }
}
