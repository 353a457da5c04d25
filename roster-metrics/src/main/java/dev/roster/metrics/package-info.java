/**
 * Micrometer meters for a {@link dev.roster.Roster}: {@link dev.roster.metrics.RosterMetrics}
 * is both the Roster's event listener and a {@code MeterBinder}.
 */
@NullMarked
package dev.roster.metrics;

import org.jspecify.annotations.NullMarked;
