/**
 * Who may change the registry, and how Roster talks to ZooKeeper securely: {@link
 * dev.roster.security.Authentication} (the identity a Roster's session carries), {@link
 * dev.roster.security.AclPolicy} (the ACL on every node a Roster creates) and {@link
 * dev.roster.security.Tls} (an encrypted, certificate-checked connection). Set them on
 * {@link dev.roster.Roster.Builder}. SECURITY.md says what they protect and what they assume
 * of ZooKeeper's own configuration.
 */
@NullMarked
package dev.roster.security;

import org.jspecify.annotations.NullMarked;
