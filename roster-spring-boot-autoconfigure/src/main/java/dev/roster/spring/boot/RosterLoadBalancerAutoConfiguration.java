package dev.roster.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Makes Roster the source of Spring Cloud LoadBalancer's candidates for every service, so a
 * {@code @LoadBalanced RestClient.Builder}, {@code RestTemplate} or {@code WebClient.Builder}
 * calls {@code http://payments/...} on the UP instances Roster's view of {@code payments}
 * holds. Off with {@code spring.cloud.loadbalancer.enabled=false}, or {@code roster.enabled=false}.
 */
@AutoConfiguration(after = RosterAutoConfiguration.class, before = LoadBalancerAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "roster.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "spring.cloud.loadbalancer.enabled", matchIfMissing = true)
@ConditionalOnClass(ServiceInstanceListSupplier.class)
@ConditionalOnBean(RosterServiceViews.class)
@LoadBalancerClients(defaultConfiguration = RosterLoadBalancerClientConfiguration.class)
public class RosterLoadBalancerAutoConfiguration {}
