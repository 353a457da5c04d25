/**
 * Test kit for code that uses ZooKeeper: a JUnit 5 extension that runs a real server ({@link
 * dev.roster.testing.ZooKeeperExtension}), real session expiry ({@link
 * dev.roster.testing.SessionExpiry}), a TCP proxy that breaks the network on demand ({@link
 * dev.roster.testing.FaultProxy}), and one such proxy in front of each member of a local
 * ensemble ({@link dev.roster.testing.ProxiedEnsemble}), TLS stores made at run time for TLS
 * tests ({@link dev.roster.embedded.LocalCertificates}, in roster-embedded), and SASL servers
 * and logins without a KDC ({@link dev.roster.testing.SaslExtension}, {@link
 * dev.roster.testing.SaslLogins}).
 */
@NullMarked
package dev.roster.testing;

import org.jspecify.annotations.NullMarked;
