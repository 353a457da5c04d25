package dev.roster.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The data directories of the embedded servers: a given one, or a temporary one deleted at the end. */
final class Directories {
  private static final Logger LOG = LoggerFactory.getLogger(Directories.class);

  private Directories() {}

  /**
   * Creates {@code given} (and its parents) if it is missing, or a new temporary directory
   * named {@code tempPrefix...} if {@code given} is null.
   *
   * @param what what the directory is for, as messages name it ("ZooKeeper's data directory")
   * @throws UncheckedIOException naming the directory (or the temporary area) and the cause
   */
  static Path create(@Nullable Path given, String tempPrefix, String what) {
    try {
      return given == null ? Files.createTempDirectory(tempPrefix) : Files.createDirectories(given);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + what + " "
          + (given == null ? "in " + System.getProperty("java.io.tmpdir") : given) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes a directory and everything in it. Called once the servers using it are down, when
   * a leftover temporary directory is not worth failing for: a failure is logged, not thrown.
   */
  static void deleteQuietly(Path root, String what) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      deleteAllBut(root, Set.of());
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not delete {} {}", what, root, e);
    }
  }

  /**
   * Deletes {@code root} and everything below it except the paths in {@code keep} (and the
   * directories that hold them), deepest first.
   *
   * @throws IOException if something cannot be deleted
   */
  static void deleteAllBut(Path root, Set<Path> keep) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        if (keep.stream().noneMatch(kept -> kept.startsWith(path))) {
          Files.deleteIfExists(path);
        }
      }
    }
  }
}
