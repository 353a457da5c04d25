package dev.roster.health;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@link HealthCheck#of}: the user's own check; true passes. */
final class CallableCheck implements HealthCheck {
  private final Callable<Boolean> check;

  CallableCheck(Callable<Boolean> check) {
    this.check = check;
  }

  @Override
  public Result check(Duration timeout) {
    Boolean ok;
    try {
      ok = check.call();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.fail("interrupted");
    } catch (Exception e) {
      return Result.fail("threw " + e);
    }
    if (ok == null) {
      return Result.fail("returned null");
    }
    return ok ? Result.pass("returned true") : Result.fail("returned false");
  }

  @Override
  public String toString() {
    return "HealthCheck.of(" + check + ")";
  }
}
