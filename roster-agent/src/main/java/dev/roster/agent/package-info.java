/**
 * The Roster agent: an HTTP API over a {@link dev.roster.Roster} for processes that cannot hold
 * a ZooKeeper session themselves, with blocking queries, server-sent events, TTL
 * registrations, a dashboard and Prometheus metrics. The entry point is {@link
 * dev.roster.agent.Agent}; everything else in this package is package-private.
 */
@NullMarked
package dev.roster.agent;

import org.jspecify.annotations.NullMarked;
