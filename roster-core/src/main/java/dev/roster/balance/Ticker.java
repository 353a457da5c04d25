package dev.roster.balance;

/**
 * A source of nanosecond time, read by {@link OutlierPolicy outlier ejection} to time
 * back-offs. Inject a fake one in tests, so an ejection can be made to expire without
 * sleeping.
 *
 * <p>Only differences between two readings mean anything, as with {@link System#nanoTime()}.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * The current time in nanoseconds, from an arbitrary fixed origin.
   *
   * @return the current time in nanoseconds
   */
  long read();

  /**
   * The ticker backed by {@link System#nanoTime()}.
   *
   * @return the system ticker
   */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** {@link System#nanoTime()}, as a named singleton so it prints well. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }

  @Override
  public String toString() {
    return "Ticker.system()";
  }
}
