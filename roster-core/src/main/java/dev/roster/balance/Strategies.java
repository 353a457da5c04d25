package dev.roster.balance;

import dev.roster.ServiceInstance;
import dev.roster.internal.Validation;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Factories for the built-in {@link Strategy strategies}.
 *
 * <p>Every strategy builds an immutable picker once per change of the list, and every
 * picker is thread-safe, lock-free and allocates nothing per {@link Picker#pick() pick}.
 * Strategies only ever see instances whose status is UP and that are not ejected. Most keep
 * state across pickers (a counter, outstanding-request counts), so give each selector its
 * own strategy object.
 *
 * <p>Weighted strategies use {@link ServiceInstance#weight()}: an instance of weight 0 is
 * never picked while another has a positive weight, and when every weight is 0 they all
 * count as equal, so the service still gets traffic.
 */
public final class Strategies {
  /** The picker of an empty list. */
  static final Picker EMPTY = new Picker() {
    @Override
    public @Nullable ServiceInstance pick() {
      return null;
    }

    @Override
    public String toString() {
      return "Picker[empty]";
    }
  };

  private Strategies() {}

  /**
   * Each instance in turn. The counter survives changes of the list. It is a 64-bit counter
   * read as unsigned, so it runs on past {@link Integer#MAX_VALUE} without a skip or a
   * repeat (an int counter cannot: 2^32 is not a multiple of most list sizes, and Curator's
   * {@code Math.abs} of it even goes negative at {@code Integer.MIN_VALUE}).
   *
   * @return a new round-robin strategy
   */
  public static Strategy roundRobin() {
    return roundRobin(0);
  }

  /** Round robin with its counter starting at {@code start}; lets tests cross the wrap. */
  static Strategy roundRobin(long start) {
    AtomicLong counter = new AtomicLong(start);
    return new Strategy() {
      @Override
      public Picker newPicker(List<ServiceInstance> instances) {
        ServiceInstance[] array = instances.toArray(new ServiceInstance[0]);
        int n = array.length;
        if (n == 0) {
          return EMPTY;
        }
        return () -> array[(int) Long.remainderUnsigned(counter.getAndIncrement(), n)];
      }

      @Override
      public String toString() {
        return "roundRobin()";
      }
    };
  }

  /**
   * A uniformly random instance per pick, from a thread-local generator.
   *
   * @return a new random strategy
   */
  public static Strategy random() {
    return new RandomStrategy(null);
  }

  /** {@link #random()} drawing from {@code source}, thread-safe (a seeded {@code java.util.Random}), for tests. */
  static Strategy random(RandomGenerator source) {
    return new RandomStrategy(Objects.requireNonNull(source, "source"));
  }

  /**
   * A random instance per pick, each in proportion to its {@link ServiceInstance#weight()}.
   * O(1) per pick whatever the number of instances (Vose's alias method, in exact integer
   * arithmetic), from a thread-local generator.
   *
   * @return a new weighted random strategy
   */
  public static Strategy weightedRandom() {
    return new WeightedRandom(null);
  }

  /** {@link #weightedRandom()} drawing from {@code source}, for tests. */
  static Strategy weightedRandom(RandomGenerator source) {
    return new WeightedRandom(Objects.requireNonNull(source, "source"));
  }

  /**
   * Weighted round robin as nginx does it ("smooth"): each instance gets exactly its share
   * of every period of {@code sum(weights) / gcd(weights)} picks, interleaved rather than in
   * bursts, so weights {5, 1, 1} give {@code a a b a c a a}, not {@code a a a a a b c}. No
   * instance is picked more times in a row than its weight (divided by the gcd of the
   * weights).
   *
   * <p>nginx's per-peer state would need a lock per pick; instead each picker computes one
   * period of nginx's sequence when it is built, and a pick is an atomic increment and an
   * array read, so the k-th pick across all threads is exactly nginx's k-th. The period is
   * capped at 65,536 picks (fewer for more than 256 instances, so a rebuild stays within
   * about 16 million steps); past the cap weights are scaled down to fit, and shares are
   * then exact to within one pick per period.
   *
   * @return a new smooth weighted round-robin strategy
   */
  public static Strategy smoothWeightedRoundRobin() {
    return new SmoothWeightedRoundRobin();
  }

  /**
   * Power of two choices on outstanding requests: draws two different instances at random
   * and takes the one with fewer requests in flight. Requests are counted only through
   * {@link Selector#acquire()}, from the pick until the returned {@link Lease} is closed;
   * a plain {@link Selector#pick()} compares the same counts but adds to none. Counts are
   * kept per instance id, so they survive changes of the view. Weights are not used.
   *
   * @return a new power-of-two-choices strategy, with its own request counts
   */
  public static Strategy powerOfTwoChoices() {
    return new PowerOfTwoChoices(null);
  }

  /** {@link #powerOfTwoChoices()} drawing from {@code source}, for tests. */
  static Strategy powerOfTwoChoices(RandomGenerator source) {
    return new PowerOfTwoChoices(Objects.requireNonNull(source, "source"));
  }

  /**
   * Rendezvous (highest random weight) hashing on the caller's key
   * ({@link Selector#pick(long)}, {@link Selector#pick(String)}): a key goes to the same
   * instance for as long as that instance is in the list, and when an instance leaves (or is
   * ejected, or stops being UP) exactly the keys it held move, each to its runner-up, and
   * come back when it returns. Placement depends only on the key and the instance ids.
   * O(n) per pick; weights are not used. {@link Selector#pick()} without a key picks at
   * random.
   *
   * @return a new rendezvous strategy
   */
  public static Strategy rendezvous() {
    return new Rendezvous(false);
  }

  /**
   * {@link #rendezvous()} with each instance holding keys in proportion to its
   * {@link ServiceInstance#weight()}. Keeps the minimal-movement property; a pick costs one
   * logarithm per instance more.
   *
   * @return a new weighted rendezvous strategy
   */
  public static Strategy weightedRendezvous() {
    return new Rendezvous(true);
  }

  /**
   * Prefers the caller's zone while enough of it is healthy: picks with {@code inner} among
   * the instances of {@code localZone} while those eligible (UP and not ejected) are at least
   * {@code minHealthyShare} of all the local instances the view knows (whatever their
   * status), and among every eligible instance otherwise. At exactly the share it stays
   * local. Instances that vanish from ZooKeeper altogether are not known, so they do not
   * count against the share; draining, out-of-service, starting and ejected ones do.
   *
   * <p>The choice is made once per change of the view, so it costs nothing per pick.
   *
   * @param localZone the caller's zone, as in {@link ServiceInstance#zone()}
   * @param minHealthyShare 0 to 1; for example 0.7 spills over once fewer than 70% of the
   *     local instances can take traffic. 0 stays local while any local instance is eligible
   * @param inner how to pick within the chosen group
   * @return a new zone-aware strategy wrapping {@code inner}
   * @throws IllegalArgumentException if the zone is not a valid label or the share is not in [0, 1]
   */
  public static Strategy zoneAware(String localZone, double minHealthyShare, Strategy inner) {
    Validation.label("zone", Objects.requireNonNull(localZone, "local zone"));
    if (!(minHealthyShare >= 0 && minHealthyShare <= 1)) {
      throw new IllegalArgumentException("min healthy share " + minHealthyShare + ": must be between 0 and 1");
    }
    return new ZoneAware(localZone, minHealthyShare, Objects.requireNonNull(inner, "inner strategy"));
  }
}
