package dev.roster.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one implementation of {@link LocalEnsemble.Member}, whose Javadoc says what each method
 * does: a member's id, ports and files, its {@link MemberProcess}, and the lock under which that
 * process changes.
 */
final class EnsembleMember implements LocalEnsemble.Member {
  private static final Logger LOG = LoggerFactory.getLogger(LocalEnsemble.class);

  private final RunningEnsemble ensemble;
  private final int id;
  private final Ports ports;
  private final Path dir;
  private final Path dataDir;
  private final Path configFile;
  private final Path logFile;

  /** Guards the changes of the process: launch, kill, stop, freeze, thaw, wipe. */
  private final Object lock = new Object();

  private final MemberProcess process;

  EnsembleMember(RunningEnsemble ensemble, int id, Ports ports) {
    this.ensemble = ensemble;
    this.id = id;
    this.ports = ports;
    this.dir = ensemble.memberDir(id);
    this.dataDir = dir.resolve("data");
    this.configFile = dir.resolve("zoo.cfg");
    this.logFile = dir.resolve("zookeeper.log");
    this.process = new MemberProcess(this, id, logFile);
  }

  @Override
  public int id() {
    return id;
  }

  @Override
  public int clientPort() {
    return ports.client();
  }

  @Override
  public String connectString() {
    return Loopback.ADDRESS + ":" + ports.client();
  }

  @Override
  public long pid() {
    Process current = process.process();
    if (current == null) {
      throw new IllegalStateException("member " + id + " was never started");
    }
    return current.pid();
  }

  @Override
  public boolean isRunning() {
    return process.isRunning();
  }

  @Override
  public boolean isFrozen() {
    return process.isFrozen();
  }

  @Override
  public Optional<String> mode() {
    if (!isRunning()) {
      return Optional.empty();
    }
    return FourLetterWords.srvr(ports.client())
        .flatMap(FourLetterWords::mode);
  }

  @Override
  public MemberState state() {
    if (!isRunning()) {
      return MemberState.DOWN;
    }
    if (isFrozen()) {
      return MemberState.FROZEN;
    }
    return MemberState.ofSrvr(FourLetterWords.srvr(ports.client()));
  }

  @Override
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public Path logFile() {
    return logFile;
  }

  @Override
  public void kill() {
    synchronized (lock) {
      process.kill();
    }
  }

  @Override
  public void stop() {
    synchronized (lock) {
      process.stop();
    }
  }

  @Override
  public void freeze() {
    synchronized (lock) {
      ensemble.requireOpen();
      process.freeze();
    }
  }

  @Override
  public void thaw() {
    synchronized (lock) {
      process.thaw();
    }
  }

  @Override
  public void start() {
    synchronized (lock) {
      requireNotRunning("start");
      launch();
      process.awaitListening(
          ports.client(),
          connectString(),
          ensemble.settings().startTimeout(),
          ensemble::isClosed);
    }
  }

  @Override
  public void restart() {
    synchronized (lock) {
      ensemble.requireOpen();
      stop();
      start();
    }
  }

  @Override
  public void wipe() {
    synchronized (lock) {
      requireNotRunning("wipe");
      try {
        // Only myid stays, and with it the data directory.
        Directories.deleteAllBut(dataDir, Set.of(dataDir.resolve("myid")));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot wipe the data of member " + id + " in " + dataDir, e);
      }
    }
  }

  @Override
  public String toString() {
    Process current = process.process();
    String state = !isRunning() ? "down" : isFrozen() ? "frozen" : "running";
    return "member "
        + id
        + " ("
        + connectString()
        + (current == null ? "" : ", pid " + current.pid())
        + ", "
        + state
        + ")";
  }

  /** The last lines of the current process's log, indented, for exception messages. */
  String logTail() {
    return process.logTail();
  }

  MemberProcess process() {
    return process;
  }

  /** Writes the member's zoo.cfg, naming every member's ports. */
  void writeConfig(List<Ports> all) {
    ZooCfg.write(ensemble.settings(), id, configFile, dataDir, all);
  }

  /** Starts the process while not running, for the ensemble's start. */
  void launchForStart() {
    synchronized (lock) {
      launch();
    }
  }

  /** For close() and failed starts: kills, and only logs what goes wrong. */
  void killQuietly() {
    try {
      kill();
    } catch (RuntimeException e) {
      LOG.warn("could not kill {}", this, e);
    }
  }

  /** Called with {@link #lock} held. */
  private void requireNotRunning(String what) {
    ensemble.requireOpen();
    if (isRunning()) {
      throw new IllegalStateException(
          "cannot " + what + " " + this + ": it is running; stop or kill it first");
    }
  }

  /** Starts the process. Called with {@link #lock} held, while not running. */
  private void launch() {
    process.launch(ensemble.childJvm().processBuilder(configFile, dir, logFile));
  }
}
