package dev.roster.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The command line of an ensemble member's JVM: this JVM's java with this JVM's class path,
 * running {@link QuorumPeerLauncher} on the member's {@code zoo.cfg}.
 *
 * <p>The class path is written to an @argfile in the base directory: a long class path on the
 * command line of every member would make {@code ps} unreadable and can pass the length limit of
 * one argument. It must hold ZooKeeper and what its server needs at run time (metrics-core,
 * snappy-java); roster-embedded declares both, so every build that has this class has them.
 *
 * <p>The environment variables through which every java command picks up options ({@code
 * JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS}, {@code _JAVA_OPTIONS}) are removed from the
 * members' environment: a debugger agent listening on a fixed port, for one, would make every
 * member but the first fail to start. Members take options from the builder's {@code
 * jvmOptions} only.
 */
final class ChildJvm {
  private static final List<String> INHERITED_OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

  private static final int MAX_NOTIFICATION_INTERVAL_MS = 1_000;

  /** The command up to, not including, the zoo.cfg path. */
  private final List<String> command;

  private ChildJvm(List<String> command) {
    this.command = command;
  }

  /**
   * Writes the class path file into {@code baseDir} and builds the command for every member.
   *
   * @throws IllegalStateException if this JVM has no class path, or no java executable is found
   * @throws UncheckedIOException if the class path file cannot be written
   */
  static ChildJvm prepare(EnsembleSettings settings, Path baseDir) {
    return new ChildJvm(command(settings, writeClassPathFile(baseDir)));
  }

  /**
   * A process builder for one member, run in {@code dir}, its output and errors appended to
   * {@code logFile}.
   */
  ProcessBuilder processBuilder(Path configFile, Path dir, Path logFile) {
    List<String> full = new ArrayList<>(command);
    full.add(configFile.toString());
    ProcessBuilder builder =
        new ProcessBuilder(full)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(logFile.toFile()));
    INHERITED_OPTION_VARIABLES.forEach(builder.environment()::remove);
    return builder;
  }

  private static List<String> command(EnsembleSettings settings, Path classPathFile) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(
        List.of(
            "-Xmx96m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
            "-Dorg.slf4j.simpleLogger.logFile=System.out",
            // Warns at every start that zookeeper.maxCnxns is unset; no limit is what we want.
            "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.ServerCnxnFactory=error",
            // An election resends its vote at doubling intervals while peers are silent, up to a
            // minute by default; a member that comes up a little late would wait that long.
            "-Dzookeeper.fastleader.maxNotificationInterval=" + MAX_NOTIFICATION_INTERVAL_MS,
            // As in EmbeddedZooKeeper: empty containers go within 5 ticks, not a minute.
            "-Dznode.container.checkIntervalMs="
                + settings.timings().containerCheckIntervalMs()));
    // After ours, so that the caller's options win (the last -Xmx counts).
    command.addAll(settings.jvmOptions());
    command.add("@" + classPathFile);
    command.add(QuorumPeerLauncher.class.getName());
    return List.copyOf(command);
  }

  private static String javaExecutable() {
    boolean windows = System.getProperty("os.name", "").startsWith("Windows");
    Path java = Path.of(System.getProperty("java.home"), "bin", windows ? "java.exe" : "java");
    if (Files.isExecutable(java)) {
      return java.toString();
    }
    return ProcessHandle.current()
        .info()
        .command()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "cannot find the java executable of this JVM: " + java));
  }

  /** Writes this JVM's class path as a java @argfile in the base directory. */
  private static Path writeClassPathFile(Path baseDir) {
    String classPath = System.getProperty("java.class.path", "");
    if (classPath.isBlank()) {
      throw new IllegalStateException(
          "this JVM has an empty class path (running on the module path?); LocalEnsemble starts"
              + " its members with this JVM's class path, which must hold ZooKeeper");
    }
    // Members run in their own directories: relative entries (java -cp target/classes, java -jar
    // roster.jar) must be made absolute, against this JVM's working directory.
    String absolute =
        Stream.of(classPath.split(File.pathSeparator, -1))
            .map(entry -> Path.of(entry).toAbsolutePath().toString())
            .collect(Collectors.joining(File.pathSeparator));
    Path file = baseDir.resolve("classpath.args");
    String quoted = "\"" + absolute.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    try {
      Files.writeString(file, "-cp\n" + quoted + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }
}
