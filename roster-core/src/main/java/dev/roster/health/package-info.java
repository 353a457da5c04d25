/**
 * Health-checked registration: an instance that is in the registry only while a check says
 * it can serve. Start at {@link dev.roster.Roster#register(dev.roster.ServiceInstance,
 * dev.roster.health.HealthCheck, dev.roster.health.HealthPolicy)}.
 */
@NullMarked
package dev.roster.health;

import org.jspecify.annotations.NullMarked;
