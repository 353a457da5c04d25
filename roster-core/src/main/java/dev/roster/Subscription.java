package dev.roster;

/** A handle on something that was added, such as a listener; {@link #close()} removes it. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /** Removes what this handle stands for. Idempotent; never throws. */
  @Override
  void close();
}
