package dev.roster.balance;

/**
 * The 64-bit hashing behind keyed picking. Both functions are fixed: changing them would
 * move every key to another instance, so they are part of the observable behaviour.
 */
final class Hashing {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Hashing() {}

  /**
   * A string's 64-bit hash: FNV-1a over its UTF-16 code units, finished with {@link #mix}
   * because FNV's low bits avalanche poorly. Allocation-free.
   */
  static long hash(String s) {
    long h = FNV_OFFSET;
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * FNV_PRIME;
    }
    return mix(h ^ s.length());
  }

  /**
   * A bijective 64-bit finalizer with full avalanche (David Stafford's variant 13 of
   * MurmurHash3's fmix64, as SplitMix64 uses): every input bit flips each output bit with
   * probability close to 1/2, so nearby keys such as 1, 2, 3 score independently.
   */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
