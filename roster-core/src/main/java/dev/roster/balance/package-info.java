/** Choosing one instance per request: {@link dev.roster.balance.Strategies} and {@link dev.roster.balance.Selector}. */
@NullMarked
package dev.roster.balance;

import org.jspecify.annotations.NullMarked;
