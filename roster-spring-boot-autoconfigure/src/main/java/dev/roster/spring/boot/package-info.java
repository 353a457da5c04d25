/**
 * Spring Boot auto-configuration for Roster: a {@link dev.roster.Roster} bean from {@code
 * roster.*} properties, Spring Cloud's {@code DiscoveryClient} and {@code
 * ReactiveDiscoveryClient} answered from live views, a {@code ServiceRegistry} with the
 * application's own registration and graceful leave, Spring Cloud LoadBalancer candidates
 * pushed on every change, a health component and Micrometer meters. A drop-in for Spring
 * Cloud Zookeeper Discovery: same layout on ZooKeeper, same payload, same metadata keys.
 */
@NullMarked
package dev.roster.spring.boot;

import org.jspecify.annotations.NullMarked;
