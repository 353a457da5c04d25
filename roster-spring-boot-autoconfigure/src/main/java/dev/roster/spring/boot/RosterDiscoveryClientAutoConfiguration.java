package dev.roster.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.ConditionalOnBlockingDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnReactiveDiscoveryEnabled;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures {@link RosterDiscoveryClient} and, with Reactor present, {@link
 * RosterReactiveDiscoveryClient}, unless Spring Cloud discovery is switched off ({@code
 * spring.cloud.discovery.enabled}, {@code spring.cloud.discovery.blocking.enabled}, {@code
 * spring.cloud.discovery.reactive.enabled}).
 */
@AutoConfiguration(after = RosterAutoConfiguration.class,
    before = {SimpleDiscoveryClientAutoConfiguration.class, CompositeDiscoveryClientAutoConfiguration.class,
        SimpleReactiveDiscoveryClientAutoConfiguration.class, ReactiveCompositeDiscoveryClientAutoConfiguration.class})
@ConditionalOnBooleanProperty(name = "roster.enabled", matchIfMissing = true)
@ConditionalOnDiscoveryEnabled
@ConditionalOnBean(RosterServiceViews.class)
public class RosterDiscoveryClientAutoConfiguration {

  /** The blocking client. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBlockingDiscoveryEnabled
  static class Blocking {
    @Bean
    @ConditionalOnMissingBean
    RosterDiscoveryClient rosterDiscoveryClient(RosterServiceViews views, RosterProperties properties) {
      return new RosterDiscoveryClient(views, properties.getDiscovery().getOrder());
    }
  }

  /** The reactive client, only where Reactor is on the classpath. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "reactor.core.publisher.Flux")
  @ConditionalOnReactiveDiscoveryEnabled
  static class Reactive {
    @Bean
    @ConditionalOnMissingBean
    RosterReactiveDiscoveryClient rosterReactiveDiscoveryClient(RosterServiceViews views, RosterProperties properties) {
      return new RosterReactiveDiscoveryClient(views, properties.getDiscovery().getOrder());
    }
  }
}
