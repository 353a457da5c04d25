/**
 * gRPC name resolution from Roster: channels built for {@code roster:///payments} follow the
 * live instances of {@code payments}. Start at {@link dev.roster.grpc.RosterNameResolverProvider}.
 */
@NullMarked
package dev.roster.grpc;

import org.jspecify.annotations.NullMarked;
