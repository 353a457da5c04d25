package dev.roster.agent;

import dev.roster.Roster;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/** Everything the routes share: the Roster, the per-service state, the held registrations. */
final class AgentState {
  private final Roster roster;
  private final MeterRegistry registry;
  private final Scheduler scheduler;

  AgentState(Roster roster, MeterRegistry registry, Scheduler scheduler) {
    this.roster = roster;
    this.registry = registry;
    this.scheduler = scheduler;
  }

  boolean handle(String path, String method, Request request, Response response, Callback callback) {
    Http.error(response, callback, 404, "no route " + path, null);
    return true;
  }

  void close() {}
}
