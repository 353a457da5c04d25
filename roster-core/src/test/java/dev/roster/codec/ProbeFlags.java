package dev.roster.codec;

import java.util.concurrent.atomic.AtomicBoolean;

/** Raised when {@link ProbeGadget} is loaded or built; in a class of its own so that reading them loads nothing. */
final class ProbeFlags {
  /** {@link ProbeGadget}'s binary name, as an attacker would write it in {@code "@class"}. */
  static final String GADGET = "dev.roster.codec.ProbeGadget";

  static final AtomicBoolean INITIALIZED = new AtomicBoolean();
  static final AtomicBoolean CONSTRUCTED = new AtomicBoolean();

  private ProbeFlags() {}
}
