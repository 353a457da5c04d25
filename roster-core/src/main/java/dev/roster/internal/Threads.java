package dev.roster.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Roster's threads: how they are made, and which of them run Roster's own serial contexts.
 *
 * <p>A blocking method (register, update, close of a registration, services) waits for
 * work on one of those contexts. Called from a context it would wait on, it could only
 * time out; called from any context, it would stall that context's other work. So every
 * blocking entry point calls {@link #refuseBlocking} first and fails at once instead. The
 * event thread is not such a context: listeners run there and may call back into Roster.
 */
public final class Threads {
  /** The name of the context running on this thread, or null on any other thread. */
  private static final ThreadLocal<String> CONTEXT = new ThreadLocal<>();

  private Threads() {}

  /** Daemon threads named {@code prefix1}, {@code prefix2}, ... */
  static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Marks the current thread as running {@code context} until {@link #leave}.
   *
   * @return the mark it had before, to give back to {@link #leave}
   */
  static @Nullable String enter(String context) {
    String before = CONTEXT.get();
    CONTEXT.set(context);
    return before;
  }

  static void leave(@Nullable String before) {
    if (before == null) {
      CONTEXT.remove();
    } else {
      CONTEXT.set(before);
    }
  }

  /**
   * Throws if the current thread runs one of Roster's internal contexts.
   *
   * @param what the call, for the message, such as {@code "Registration.update()"}
   */
  static void refuseBlocking(String what) {
    String context = CONTEXT.get();
    if (context != null) {
      throw new IllegalStateException(what + " blocks until ZooKeeper answers, and was called on Roster's own "
          + context + " context, which would have to wait for itself; call it from a listener or another"
          + " thread of yours instead");
    }
  }
}
