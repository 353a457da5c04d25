/**
 * Roster: service registration and discovery on Apache ZooKeeper. Start at {@link dev.roster.Roster}.
 */
@NullMarked
package dev.roster;

import org.jspecify.annotations.NullMarked;
