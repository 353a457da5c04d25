package dev.roster.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of node data through every codec. In a normal build this replays
 * the committed inputs under {@code src/test/resources/dev/roster/codec/CodecFuzzTestInputs/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (FUZZING.md). The contract is {@link CodecSafety}'s.
 */
class CodecFuzzTest {

  /** The input is a node's data exactly as ZooKeeper would hand it to a view. */
  @FuzzTest(maxDuration = "5m")
  void anyNodeData(byte[] data) {
    CodecSafety.check(data, "input " + CodecFuzzInputs.describe(data));
  }
}
