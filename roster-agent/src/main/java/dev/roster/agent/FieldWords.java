package dev.roster.agent;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The field an {@link IllegalArgumentException} of the library's validation is about.
 *
 * <p>{@code dev.roster.internal.Validation} words every message as the field's name, then the
 * value, then what was expected ("port 0: must be 1-65535", "service name 'a/b': must match
 * ..."), and has no structured field. The agent reads the field back from the start of the
 * message against the words that validation uses, longest first so that "metadata value" is
 * not taken for a shorter word. A message that starts with none of them has no field.
 */
final class FieldWords {
  /** Every field word of the library's validation, longest first. */
  static final List<String> WORDS = List.of(
      "metadata value", "metadata key", "service name", "service type", "instance id",
      "uri spec", "ssl port", "address", "weight", "port", "zone");

  private FieldWords() {}

  static @Nullable String of(String message) {
    for (String word : WORDS) {
      if (message.startsWith(word) && (message.length() == word.length()
          || message.charAt(word.length()) == ' ' || message.charAt(word.length()) == ':')) {
        return word;
      }
    }
    return null;
  }
}
