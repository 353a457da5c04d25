package dev.roster.spring.boot;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Roster's component of {@code /actuator/health}: UP while connected to ZooKeeper with no
 * view stale, DOWN otherwise. Details: {@code connected}, {@code staleViews} (the services
 * whose view serves its last known list because ZooKeeper is unreachable or not yet read),
 * {@code views} (how many are open), {@code registrations} (how many this application holds)
 * and {@code registered} (how many of those are confirmed on the current session).
 */
public final class RosterHealthIndicator extends AbstractHealthIndicator {
  private final RosterServiceViews views;
  private final @Nullable RosterServiceRegistry registry;

  /**
   * Reports on {@code views}' Roster and views, and on {@code registry}'s registrations if any.
   *
   * @param views the shared views, and through them the Roster
   * @param registry the registry whose registrations to count, or null without registration
   */
  public RosterHealthIndicator(RosterServiceViews views, @Nullable RosterServiceRegistry registry) {
    super("Roster health check failed");
    this.views = views;
    this.registry = registry;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    boolean connected = views.roster().isConnected();
    List<String> stale = views.staleViews();
    builder.status(connected && stale.isEmpty() ? org.springframework.boot.health.contributor.Status.UP
        : org.springframework.boot.health.contributor.Status.DOWN);
    builder.withDetail("connected", connected);
    builder.withDetail("connectString", views.roster().connectString());
    builder.withDetail("staleViews", stale);
    builder.withDetail("views", views.openViews());
    if (registry != null) {
      builder.withDetail("registrations", registry.registrations());
      builder.withDetail("registered", registry.registered());
    }
  }
}
