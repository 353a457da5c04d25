package dev.roster.codec;

/**
 * A class that data names but no code of Roster's may ever load: its static initializer and
 * its constructor raise {@link ProbeFlags}. Tests refer to it by name only, as a string.
 */
final class ProbeGadget {
  static {
    ProbeFlags.INITIALIZED.set(true);
  }

  ProbeGadget() {
    ProbeFlags.CONSTRUCTED.set(true);
  }
}
