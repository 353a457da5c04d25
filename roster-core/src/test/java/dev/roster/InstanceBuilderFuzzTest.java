package dev.roster;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Coverage-guided fuzzing of {@link ServiceInstance#builder} input; {@link BuilderSafety} says
 * what must hold. Inputs are text, one field a line, so that committed inputs
 * ({@code src/test/resources/dev/roster/InstanceBuilderFuzzTestInputs/}) can be read and
 * written by hand: service name, instance id, address, port, ssl port, zone, weight, URI spec,
 * then {@code key=value} metadata lines. {@code \\uXXXX} stands for any UTF-16 unit (lone
 * surrogates included) and a line of just {@code \\0} for null.
 */
class InstanceBuilderFuzzTest {

  @FuzzTest(maxDuration = "5m")
  void builderInput(byte[] data) {
    String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", -1);
    List<Map.Entry<String, String>> metadata = new ArrayList<>();
    for (int i = 8; i < lines.length; i++) {
      int eq = lines[i].indexOf('=');
      String key = eq < 0 ? lines[i] : lines[i].substring(0, eq);
      String value = eq < 0 ? null : lines[i].substring(eq + 1);
      metadata.add(new AbstractMap.SimpleEntry<>(field(key), field(value)));
    }
    String id = field(line(lines, 1));
    BuilderSafety.Input in = new BuilderSafety.Input(field(line(lines, 0)), id == null || !id.isEmpty(), id,
        field(line(lines, 2)), number(line(lines, 3)), number(line(lines, 4)), field(line(lines, 5)),
        number(line(lines, 6)), metadata, field(line(lines, 7)));
    BuilderSafety.check(in, "input " + BuilderSafety.escaped(new String(data, StandardCharsets.UTF_8), 2000));
  }

  private static @Nullable String line(String[] lines, int i) {
    return i < lines.length ? lines[i] : null;
  }

  private static @Nullable String field(@Nullable String text) {
    if (text == null || text.equals("\\0")) {
      return null;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 5 < text.length() && text.charAt(i + 1) == 'u') {
        try {
          out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
          i += 5;
          continue;
        } catch (NumberFormatException e) {
          // not an escape: the backslash is itself
        }
      }
      out.append(c);
    }
    return out.toString();
  }

  private static int number(@Nullable String text) {
    if (text == null) {
      return 0;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return text.hashCode();
    }
  }
}
