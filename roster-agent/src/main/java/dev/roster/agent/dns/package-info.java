/**
 * The agent's DNS interface: answers {@code <service>.service.<domain>} A, AAAA and SRV queries
 * from the agent's live views, over UDP and TCP, with dnsjava for the wire format. Not API:
 * {@link dev.roster.agent.dns.DnsServer} and the two types its signatures name are public only
 * so that {@code dev.roster.agent.Agent} can start it (an architecture test holds that nothing
 * else uses them); users turn DNS on with {@code Agent.Builder.dns(...)}.
 */
@NullMarked
package dev.roster.agent.dns;

import org.jspecify.annotations.NullMarked;
