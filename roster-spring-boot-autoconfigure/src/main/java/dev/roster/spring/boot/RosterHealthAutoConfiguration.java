package dev.roster.spring.boot;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Adds {@link RosterHealthIndicator} as the {@code roster} health component where Boot's
 * health support is present; off with {@code management.health.roster.enabled=false}.
 */
@AutoConfiguration(after = {RosterAutoConfiguration.class, RosterServiceRegistryAutoConfiguration.class})
@ConditionalOnBooleanProperty(name = "roster.enabled", matchIfMissing = true)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(RosterServiceViews.class)
@ConditionalOnEnabledHealthIndicator("roster")
public class RosterHealthAutoConfiguration {

  @Bean(name = "rosterHealthIndicator")
  @ConditionalOnMissingBean(name = "rosterHealthIndicator")
  RosterHealthIndicator rosterHealthIndicator(RosterServiceViews views, ObjectProvider<RosterServiceRegistry> registry) {
    return new RosterHealthIndicator(views, registry.getIfAvailable());
  }
}
