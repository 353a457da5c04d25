package dev.roster.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on 127.0.0.1 in front of one server, which breaks the network between a client
 * and the server on demand. Point the client at {@link #connectString()} instead of the server:
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(zk.connectString())) {
 *   ZooKeeper client = new ZooKeeper(proxy.connectString(), 4_000, watcher);
 *   proxy.blip();       // connections reset: the client reconnects, its session survives
 *   proxy.cut();        // the server is unreachable until healed
 *   proxy.heal();
 * }
 * }</pre>
 *
 * <p>The faults:
 *
 * <ul>
 *   <li>{@link #pass()} or {@link #heal()}: bytes flow normally. The default.
 *   <li>{@link #blip()}: every current connection is reset at once, on both sides; new ones
 *       are accepted and forwarded as the mode says. A short network blip.
 *   <li>{@link #cut()}: every current connection is reset and each new one is reset as soon as
 *       it is accepted, until healed. The server is down or unreachable.
 *   <li>{@link #blackhole()}: connections stay open and new ones are accepted, but no bytes
 *       flow either way until healed; bytes sent meanwhile are dropped, not delivered later, and
 *       a side that closes its end is not heard of until healed. A partition, as a client with
 *       an open TCP connection experiences it.
 *   <li>{@link #delay(Duration)}: every chunk of bytes is delivered that much later than it
 *       arrived, in order, in both directions. Throughput is unchanged.
 * </ul>
 *
 * <p>A connection that was blackholed carries on after {@link #heal()} with a hole in its byte
 * stream; ZooKeeper clients have usually given such a connection up by then.
 *
 * <p>All methods are thread-safe. Every thread the proxy starts is a daemon named {@code
 * roster-fault-proxy-PORT-...}, and {@link #close()} ends them all before it returns.
 */
public final class FaultProxy implements AutoCloseable {
  /*
   * Design: plain blocking sockets. Each direction of each connection has a reader thread and a
   * writer thread joined by a queue of chunks stamped with the time they are due. The reader
   * decides, when a chunk arrives, whether it is dropped (blackhole) and when it is due (delay);
   * the writer waits until then, so a delay adds latency without limiting throughput. Order is
   * kept because the queue is FIFO: when the delay shrinks, a later chunk still waits for the
   * one before it. The writer looks at the mode once more before writing, so that nothing queued
   * before a blackhole leaks through it.
   *
   * Resets use SO_LINGER 0, so each peer sees "connection reset" rather than an orderly close,
   * as after a real network failure or a crashed proxy.
   */

  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);

  private static final int CHUNK_BYTES = 16 * 1024;
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final long CLOSE_JOIN_TIMEOUT_MS = 10_000;

  /** What the proxy does with traffic now. */
  public enum Mode {
    /** Bytes flow normally. */
    PASS,
    /** Bytes flow with added latency; see {@link FaultProxy#delay(Duration)}. */
    DELAY,
    /** Connections stay open but carry nothing; see {@link FaultProxy#blackhole()}. */
    BLACKHOLE,
    /** Every connection is reset; see {@link FaultProxy#cut()}. */
    CUT
  }

  /** The mode and the delay, changed together so that a reader never sees half a change. */
  private record State(Mode mode, long delayNanos) {}

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final int port;
  private final String threadPrefix;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionIds = new AtomicInteger();

  /** Guards mode changes and lets closing writers wait for a blackhole to end. */
  private final Object modeLock = new Object();

  private volatile State state = new State(Mode.PASS, 0);

  /** Guarded by {@link #threads}: no thread starts once this is set. */
  private boolean closed;

  private FaultProxy(InetSocketAddress target, ServerSocket listener) {
    this.target = target;
    this.listener = listener;
    this.port = listener.getLocalPort();
    this.threadPrefix = "roster-fault-proxy-" + port + "-";
  }

  /**
   * Starts a proxy on a free port of 127.0.0.1 that forwards to {@code targetHost:targetPort}.
   *
   * @param targetHost the server's host name or address
   * @param targetPort the server's port
   * @return the running proxy, in {@link Mode#PASS}; close it when done
   * @throws IllegalArgumentException if the port is out of range
   * @throws UncheckedIOException if the proxy cannot listen
   */
  public static FaultProxy start(String targetHost, int targetPort) {
    Objects.requireNonNull(targetHost, "targetHost");
    if (targetPort < 1 || targetPort > 65_535) {
      throw new IllegalArgumentException("target port " + targetPort + ": must be 1 to 65535");
    }
    ServerSocket listener;
    try {
      listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1: " + e.getMessage(), e);
    }
    FaultProxy proxy =
        new FaultProxy(InetSocketAddress.createUnresolved(targetHost, targetPort), listener);
    proxy.startThread("accept", proxy::acceptLoop);
    LOG.debug(
        "fault proxy on {} forwarding to {}:{}", proxy.connectString(), targetHost, targetPort);
    return proxy;
  }

  /**
   * Starts a proxy in front of the one server named by a ZooKeeper-style connect string.
   *
   * @param hostPortConnectString {@code "host:port"}, one server, no chroot path
   * @return the running proxy, in {@link Mode#PASS}; close it when done
   * @throws IllegalArgumentException if the string is not one {@code host:port}
   * @throws UncheckedIOException if the proxy cannot listen
   */
  public static FaultProxy start(String hostPortConnectString) {
    Objects.requireNonNull(hostPortConnectString, "hostPortConnectString");
    String s = hostPortConnectString.trim();
    int colon = s.lastIndexOf(':');
    if (s.contains(",") || s.contains("/") || colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException(
          "connect string '" + hostPortConnectString + "': expected one host:port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int targetPort;
    try {
      targetPort = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "connect string '" + hostPortConnectString + "': port is not a number", e);
    }
    return start(host, targetPort);
  }

  /**
   * Returns the port the proxy listens on, on 127.0.0.1.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the address to give clients instead of the server's, {@code "127.0.0.1:PORT"}.
   *
   * @return the connect string
   */
  public String connectString() {
    return "127.0.0.1:" + port;
  }

  /**
   * Returns what the proxy does with traffic now.
   *
   * @return the mode
   */
  public Mode mode() {
    return state.mode();
  }

  /**
   * Returns how many client connections are open through the proxy.
   *
   * @return the count
   */
  public int openConnections() {
    return connections.size();
  }

  /** Forwards bytes normally from now on, ending any cut, blackhole or delay. */
  public void pass() {
    setState(new State(Mode.PASS, 0));
  }

  /** Same as {@link #pass()}: ends the current fault. */
  public void heal() {
    pass();
  }

  /**
   * Resets every current connection at once, on both sides, and keeps the mode: in {@link
   * Mode#PASS} the client's next connection goes through normally.
   */
  public void blip() {
    resetAll();
  }

  /**
   * Resets every current connection and, until {@link #heal()}, every new one as soon as it is
   * accepted: the server looks down.
   */
  public void cut() {
    // The mode first, so that a connection accepted meanwhile is reset by the acceptor if the
    // sweep below misses it.
    setState(new State(Mode.CUT, 0));
    resetAll();
  }

  /**
   * Stops all traffic until {@link #heal()}: connections stay open and new ones are accepted,
   * but bytes sent either way are dropped.
   */
  public void blackhole() {
    setState(new State(Mode.BLACKHOLE, 0));
  }

  /**
   * Delivers every chunk of bytes {@code latency} after it arrives, in both directions, keeping
   * their order, until {@link #heal()}. A request and its response each take the delay, so a
   * round trip takes at least twice the delay longer.
   *
   * @param latency zero or more
   * @throws IllegalArgumentException if negative
   */
  public void delay(Duration latency) {
    Objects.requireNonNull(latency, "latency");
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency " + latency + ": must not be negative");
    }
    setState(new State(Mode.DELAY, latency.toNanos()));
  }

  /**
   * Stops listening, resets every connection and waits for every thread of the proxy to end.
   * Calling it again does nothing.
   */
  @Override
  public void close() {
    synchronized (threads) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      listener.close();
    } catch (IOException e) {
      LOG.debug("closing the listener of {}", connectString(), e);
    }
    resetAll();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_JOIN_TIMEOUT_MS);
    for (Thread thread : List.copyOf(threads)) {
      thread.interrupt();
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (thread.isAlive()) {
        LOG.warn("fault proxy thread {} did not end on close", thread.getName());
      }
    }
  }

  @Override
  public String toString() {
    return "FaultProxy{" + connectString() + " -> " + target + ", " + state.mode() + "}";
  }

  private void setState(State next) {
    synchronized (modeLock) {
      state = next;
      modeLock.notifyAll();
    }
  }

  private void resetAll() {
    for (Connection connection : List.copyOf(connections)) {
      connection.close(true);
    }
  }

  /** Starts a daemon thread of this proxy, unless the proxy is closed. */
  private boolean startThread(String name, Runnable body) {
    Thread thread =
        new Thread(
            () -> {
              try {
                body.run();
              } finally {
                threads.remove(Thread.currentThread());
              }
            },
            threadPrefix + name);
    thread.setDaemon(true);
    synchronized (threads) {
      if (closed) {
        return false;
      }
      threads.add(thread);
      thread.start();
    }
    return true;
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (!listener.isClosed()) {
          LOG.warn("fault proxy on {} stops accepting", connectString(), e);
        }
        return;
      }
      Connection connection = new Connection(connectionIds.incrementAndGet(), client);
      connections.add(connection);
      // Checked after adding, so that cut() either sees this connection or we see CUT.
      if (state.mode() == Mode.CUT) {
        connection.close(true);
      } else if (!startThread(connection.id + "-connect", connection::connectAndForward)) {
        connection.close(true);
      }
    }
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // Already closed: nothing to reset.
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing is all we wanted; there is nothing left to do with this socket.
    }
  }

  /** A chunk of bytes on its way, or the end of the stream when {@code bytes} is null. */
  private record Chunk(byte @Nullable [] bytes, long dueNanos) {}

  /** One client connection and its connection to the server. */
  private final class Connection {
    /** Ends a writer: closing the connection queues it, so no writer waits on an empty queue. */
    private static final Chunk POISON = new Chunk(null, 0);

    final int id;
    final Socket client;
    final Socket upstream = new Socket();
    final BlockingQueue<Chunk> toUpstream = new LinkedBlockingQueue<>();
    final BlockingQueue<Chunk> toClient = new LinkedBlockingQueue<>();
    final AtomicBoolean closed = new AtomicBoolean();
    final Set<Thread> writers = ConcurrentHashMap.newKeySet();

    Connection(int id, Socket client) {
      this.id = id;
      this.client = client;
    }

    void connectAndForward() {
      try {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        // Resolved for each connection, so a proxy may outlive a change of the target's address.
        upstream.connect(
            new InetSocketAddress(target.getHostString(), target.getPort()), CONNECT_TIMEOUT_MS);
        InputStream fromClient = client.getInputStream();
        OutputStream intoClient = client.getOutputStream();
        InputStream fromUpstream = upstream.getInputStream();
        OutputStream intoUpstream = upstream.getOutputStream();
        boolean started =
            startThread(id + "-up-write", () -> write(toUpstream, intoUpstream))
                && startThread(id + "-down-write", () -> write(toClient, intoClient))
                && startThread(id + "-up-read", () -> read(fromClient, toUpstream))
                && startThread(id + "-down-read", () -> read(fromUpstream, toClient));
        if (!started) {
          close(true);
        }
      } catch (IOException e) {
        if (!closed.get()) {
          LOG.debug("fault proxy on {} cannot reach {}", connectString(), target, e);
        }
        close(true);
      }
    }

    private void read(InputStream in, BlockingQueue<Chunk> queue) {
      byte[] buffer = new byte[CHUNK_BYTES];
      try {
        while (true) {
          int n = in.read(buffer);
          State current = state;
          long due = System.nanoTime() + current.delayNanos();
          if (n < 0) {
            queue.add(new Chunk(null, due));
            return;
          }
          if (current.mode() == Mode.BLACKHOLE) {
            continue;
          }
          queue.add(new Chunk(Arrays.copyOf(buffer, n), due));
        }
      } catch (IOException e) {
        // Reset by the peer, or closed by this proxy: the other side must learn of it too.
        close(true);
      }
    }

    private void write(BlockingQueue<Chunk> queue, OutputStream out) {
      writers.add(Thread.currentThread());
      try {
        while (!closed.get()) {
          Chunk chunk = queue.take();
          if (chunk == POISON) {
            return;
          }
          awaitDue(chunk.dueNanos());
          byte[] bytes = chunk.bytes();
          if (bytes == null) {
            awaitNoBlackhole();
            close(false);
            return;
          }
          if (state.mode() == Mode.BLACKHOLE) {
            continue;
          }
          out.write(bytes);
          out.flush();
        }
      } catch (InterruptedException e) {
        // Closed while waiting: the connection is gone, nothing is left to deliver.
      } catch (IOException e) {
        close(true);
      } finally {
        writers.remove(Thread.currentThread());
      }
    }

    private void awaitDue(long dueNanos) throws InterruptedException {
      for (long wait = dueNanos - System.nanoTime();
          wait > 0;
          wait = dueNanos - System.nanoTime()) {
        LockSupport.parkNanos(this, wait);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    }

    /** A side that closed during a blackhole is not heard of until the blackhole ends. */
    private void awaitNoBlackhole() throws InterruptedException {
      synchronized (modeLock) {
        while (state.mode() == Mode.BLACKHOLE && !closed.get()) {
          modeLock.wait();
        }
      }
    }

    void close(boolean reset) {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      connections.remove(this);
      if (reset) {
        reset(client);
        reset(upstream);
      } else {
        closeQuietly(client);
        closeQuietly(upstream);
      }
      toUpstream.add(POISON);
      toClient.add(POISON);
      for (Thread writer : writers) {
        if (writer != Thread.currentThread()) {
          writer.interrupt();
        }
      }
    }
  }
}
