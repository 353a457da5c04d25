package dev.roster.cli;

import dev.roster.RosterException;
import dev.roster.ServiceView;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting for a view's first complete read, with the CLI's timeout and messages. */
final class Views {
  private Views() {}

  /** Waits for one view, up to the timeout. */
  static ServiceView awaitReady(ServiceView view, ZooKeeperOptions zk) {
    awaitReady(List.of(view), zk);
    return view;
  }

  /** Waits for every view, up to the timeout in all. */
  static void awaitReady(List<ServiceView> views, ZooKeeperOptions zk) {
    long deadline = System.nanoTime() + zk.timeout.toNanos();
    for (ServiceView view : views) {
      try {
        view.whenReady().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw CommandFailure.unreachable("could not read " + view.service() + " from ZooKeeper at " + zk.where()
            + " within " + Text.duration(zk.timeout), e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RosterException || cause instanceof IllegalArgumentException) {
          throw (RuntimeException) cause;
        }
        throw new CommandFailure("could not read " + view.service() + " from ZooKeeper at " + zk.where()
            + ": " + cause, cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailure("interrupted while reading " + view.service(), e);
      }
    }
  }
}
