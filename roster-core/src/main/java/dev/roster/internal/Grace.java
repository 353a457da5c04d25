package dev.roster.internal;

import dev.roster.Registration;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A graceful deregistration, the same for plain and health-checked registrations: drain,
 * wait the grace while the instance is still in the registry, then close.
 */
final class Grace {
  private static final Logger log = LoggerFactory.getLogger(Grace.class);

  private Grace() {}

  /**
   * Leaves gracefully; never throws once {@code grace} is accepted.
   *
   * @param drain drains; true if the instance is in the registry (as DRAINING) afterwards
   * @param registeredAfterFailure whether to wait the grace anyway when the drain failed
   */
  static void leave(Registration registration, RosterCore core, String path, Duration grace, BooleanSupplier drain,
      BooleanSupplier registeredAfterFailure) {
    check(grace);
    boolean wait = false;
    if (registration.isOpen() && !core.isClosed()) {
      try {
        wait = drain.getAsBoolean();
      } catch (RuntimeException e) {
        // Still leave: staying registered as UP because ZooKeeper is slow helps nobody.
        wait = registeredAfterFailure.getAsBoolean();
        log.warn("could not mark {} draining ({}); deregistering after the grace anyway", path, e.getMessage());
      }
    }
    if (wait && registration.isOpen() && !core.isClosed()) {
      waitOut(grace);
    }
    registration.close();
  }

  /** Refuses a missing or negative grace. */
  static void check(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace " + grace + ": must not be negative");
    }
  }

  /** Waits the grace out; an interrupt cuts it short (and stays set), the deregistration still follows. */
  private static void waitOut(Duration grace) {
    if (grace.isZero()) {
      return;
    }
    try {
      Thread.sleep(grace.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
