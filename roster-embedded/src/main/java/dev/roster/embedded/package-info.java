/**
 * A real ZooKeeper server in-process, bound to 127.0.0.1, for development, demos and tests.
 * Start at {@link dev.roster.embedded.EmbeddedZooKeeper}.
 */
@NullMarked
package dev.roster.embedded;

import org.jspecify.annotations.NullMarked;
