/** Wire formats of instance nodes: Curator x-discovery JSON in its Spring Cloud and plain forms. */
@NullMarked
package dev.roster.codec;

import org.jspecify.annotations.NullMarked;
