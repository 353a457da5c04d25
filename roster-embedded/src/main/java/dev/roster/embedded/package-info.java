/**
 * Real ZooKeeper servers on 127.0.0.1, for development, demos and tests: one in-process server
 * ({@link dev.roster.embedded.EmbeddedZooKeeper}), or an ensemble of child processes that can be
 * killed, frozen and restarted one by one ({@link dev.roster.embedded.LocalEnsemble}). The
 * in-process server can serve TLS only ({@link dev.roster.embedded.ServerTls}).
 */
@NullMarked
package dev.roster.embedded;

import org.jspecify.annotations.NullMarked;
