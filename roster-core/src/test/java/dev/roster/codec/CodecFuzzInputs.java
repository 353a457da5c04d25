package dev.roster.codec;

import java.util.Base64;

/** Puts a fuzz input in a failure message, so that it can be committed as a regression input. */
final class CodecFuzzInputs {
  private CodecFuzzInputs() {}

  static String describe(byte[] data) {
    String b64 = Base64.getEncoder().encodeToString(data);
    return data.length + " bytes, base64 " + (b64.length() > 600 ? b64.substring(0, 600) + "..." : b64);
  }
}
