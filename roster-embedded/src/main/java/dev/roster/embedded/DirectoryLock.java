package dev.roster.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive lock on an ensemble's base directory, held while an ensemble runs on it, so that
 * two ensembles never run on the same data: a file lock (the {@code .lock} file) against other
 * processes, and a set of the directories locked in this JVM. The set is checked first because a
 * process's POSIX locks on a file are released when it closes any descriptor of that file, so
 * this JVM must not even open the lock file it already holds.
 */
final class DirectoryLock {
  private static final Logger LOG = LoggerFactory.getLogger(DirectoryLock.class);

  private static final Set<Path> LOCKED_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock fileLock;

  private DirectoryLock(Path key, FileChannel channel, FileLock fileLock) {
    this.key = key;
    this.channel = channel;
    this.fileLock = fileLock;
  }

  /**
   * Locks {@code dir} and writes this process's id into the lock file.
   *
   * @throws IllegalStateException if another running ensemble holds it, naming its process
   * @throws UncheckedIOException if the lock file cannot be opened or written
   */
  static DirectoryLock acquire(Path dir) {
    Path key;
    try {
      key = dir.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock the ensemble directory " + dir, e);
    }
    if (!LOCKED_IN_THIS_JVM.add(key)) {
      throw inUse(dir, Long.toString(ProcessHandle.current().pid()));
    }
    try {
      Path file = key.resolve(".lock");
      FileChannel channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock fileLock = channel.tryLock();
      if (fileLock == null) {
        ByteBuffer owner = ByteBuffer.allocate(32);
        channel.read(owner, 0);
        channel.close();
        throw inUse(dir, new String(owner.array(), 0, owner.position(), StandardCharsets.UTF_8));
      }
      channel.truncate(0);
      String pid = ProcessHandle.current().pid() + "\n";
      channel.write(ByteBuffer.wrap(pid.getBytes(StandardCharsets.UTF_8)));
      return new DirectoryLock(key, channel, fileLock);
    } catch (IOException e) {
      LOCKED_IN_THIS_JVM.remove(key);
      throw new UncheckedIOException("cannot lock the ensemble directory " + dir, e);
    } catch (RuntimeException e) {
      LOCKED_IN_THIS_JVM.remove(key);
      throw e;
    }
  }

  private static IllegalStateException inUse(Path dir, String owner) {
    return new IllegalStateException(
        "the ensemble directory "
            + dir
            + " is in use by another running ensemble"
            + (owner.isBlank() ? "" : " (process " + owner.trim() + ")"));
  }

  void release() {
    try {
      fileLock.release();
      channel.close();
    } catch (IOException e) {
      LOG.debug("releasing the ensemble directory lock", e);
    } finally {
      LOCKED_IN_THIS_JVM.remove(key);
    }
  }
}
