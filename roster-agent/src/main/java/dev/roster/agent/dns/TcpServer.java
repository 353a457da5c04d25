package dev.roster.agent.dns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over TCP (RFC 7766): each message has a 2-byte length before it; a connection may carry
 * many queries, answered in order. At most {@link #MAX_CONNECTIONS} at once (more are closed at
 * once), each closed after {@link #IDLE} without a whole query; a query must arrive whole within
 * that time of its first byte, so a trickling client holds a connection no longer.
 */
final class TcpServer {
  private static final Logger log = LoggerFactory.getLogger(TcpServer.class);
  static final int MAX_CONNECTIONS = 64;
  static final int IDLE_MILLIS = 5_000;

  private final ServerSocket server;
  private final DnsHandler handler;
  private final DnsMeters meters;
  private final ExecutorService connections;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();
  private @Nullable Thread acceptor;
  private volatile boolean closed;

  TcpServer(InetSocketAddress address, DnsHandler handler, DnsMeters meters) throws IOException {
    this.handler = handler;
    this.meters = meters;
    server = new ServerSocket();
    try {
      server.setReuseAddress(true);
      server.bind(address, 128);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    AtomicInteger n = new AtomicInteger();
    connections = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "roster-dns-tcp-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    Thread t = new Thread(this::accept, "roster-dns-tcp-accept");
    t.setDaemon(true);
    acceptor = t;
    t.start();
  }

  private void accept() {
    while (!closed) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.debug("DNS accept failed", e);
        }
        continue;
      }
      if (count.incrementAndGet() > MAX_CONNECTIONS) {
        count.decrementAndGet();
        meters.dropped("tcp-connections");
        quietly(socket);
        continue;
      }
      open.add(socket);
      try {
        connections.execute(() -> serve(socket));
      } catch (RuntimeException e) {
        release(socket);
      }
    }
  }

  private void serve(Socket socket) {
    InetSocketAddress from = (InetSocketAddress) socket.getRemoteSocketAddress();
    try {
      socket.setTcpNoDelay(true);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] lengthBytes = new byte[2];
      while (!closed) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS);
        if (!readFully(socket, in, lengthBytes, 2, deadline)) {
          return;
        }
        int length = ((lengthBytes[0] & 0xFF) << 8) | (lengthBytes[1] & 0xFF);
        byte[] query = new byte[length];
        if (!readFully(socket, in, query, length, deadline)) {
          return;
        }
        byte[] reply;
        try {
          CompletableFuture<byte @Nullable []> later = new CompletableFuture<>();
          reply = handler.handle(query, length, from.getAddress(), true, later::complete);
          if (reply == DnsHandler.DEFERRED) {
            // This connection's own thread: waiting here holds up no one else.
            reply = later.get(DnsHandler.READY_WAIT.toMillis() * 3, TimeUnit.MILLISECONDS);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (Exception e) {
          log.warn("DNS query over TCP from {} could not be handled", from, e);
          reply = null;
        }
        if (reply != null) {
          byte[] framed = new byte[reply.length + 2];
          framed[0] = (byte) (reply.length >> 8);
          framed[1] = (byte) reply.length;
          System.arraycopy(reply, 0, framed, 2, reply.length);
          out.write(framed);
          out.flush();
        }
      }
    } catch (IOException e) {
      // The client went away or sent garbage framing: just close.
    } finally {
      release(socket);
    }
  }

  /** Reads {@code n} bytes before the deadline; false at end of stream or timeout. */
  private static boolean readFully(Socket socket, InputStream in, byte[] into, int n, long deadline)
      throws IOException {
    int read = 0;
    while (read < n) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      socket.setSoTimeout((int) Math.max(1, left));
      int r;
      try {
        r = in.read(into, read, n - read);
      } catch (SocketTimeoutException e) {
        return false;
      }
      if (r < 0) {
        return false;
      }
      read += r;
    }
    return true;
  }

  private void release(Socket socket) {
    if (open.remove(socket)) {
      count.decrementAndGet();
    }
    quietly(socket);
  }

  private static void quietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }

  void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    for (Socket s : open) {
      quietly(s);
    }
    connections.shutdownNow();
    Thread t = acceptor;
    if (t != null) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
