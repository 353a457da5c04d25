package dev.roster.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The configuration of every load-balancer child context (one per service), given to Spring
 * Cloud LoadBalancer as its default by {@link RosterLoadBalancerAutoConfiguration}: the
 * service's candidates come from a {@link RosterServiceInstanceListSupplier}. Not an
 * auto-configuration; an application may name it in its own {@code @LoadBalancerClient}.
 */
@Configuration(proxyBeanMethods = false)
public class RosterLoadBalancerClientConfiguration {

  /**
   * Registered before LoadBalancer's own, so its discovery-client supplier backs off.
   *
   * @param views the shared views
   * @param environment the child context's environment, which names the service and the zone
   * @return the supplier of the service's candidates
   */
  @Bean
  @ConditionalOnBean(RosterServiceViews.class)
  public ServiceInstanceListSupplier rosterServiceInstanceListSupplier(RosterServiceViews views, Environment environment) {
    String service = LoadBalancerClientFactory.getName(environment);
    String zone = environment.getProperty("roster.registration.zone", environment.getProperty("spring.cloud.loadbalancer.zone"));
    return new RosterServiceInstanceListSupplier(views, service, zone);
  }
}
