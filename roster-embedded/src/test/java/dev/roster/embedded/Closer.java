package dev.roster.embedded;

import java.util.ArrayDeque;
import java.util.Deque;

/** What a test starts, closed after it in reverse order, most recent first. */
final class Closer implements AutoCloseable {
  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  void add(AutoCloseable closeable) {
    started.push(closeable);
  }

  @Override
  public void close() throws Exception {
    while (!started.isEmpty()) {
      started.pop().close();
    }
  }
}
