/**
 * Wire formats of instance nodes: Curator x-discovery JSON in its Spring Cloud and plain
 * forms, the textbook raw layout, and read-only Finagle ServerSet and Airbnb Nerve JSON, each
 * an {@link dev.roster.codec.InstanceCodec}, plus one that recognises them per node.
 */
@NullMarked
package dev.roster.codec;

import org.jspecify.annotations.NullMarked;
