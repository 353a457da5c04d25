package dev.roster.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately small HTTP/1.1 client for the agent benchmarks: thousands of plain loopback
 * connections on one selector thread, each either an event stream or a connection that runs
 * one blocking query at a time. It does only what the agent's answers need (a status line,
 * {@code Content-Length}, {@code X-Roster-Index}, and {@code id:} lines in a stream), so that
 * on a 2-core machine the clients' own work stays small beside the agent's. Each future
 * completes, on the selector thread, with the {@link System#nanoTime()} at which the bytes
 * that finished it were read.
 */
final class LoopbackClient implements AutoCloseable {
  private static final Pattern ID = Pattern.compile("(?m)^id: (\\d+)$");
  private static final Pattern LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)\r\n");
  private static final Pattern INDEX = Pattern.compile("(?i)\r\nx-roster-index: *(\\d+)\r\n");

  private final InetSocketAddress address;
  private final String host;
  private final Selector selector;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
  private final List<Connection> connections = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  /** One connection; its fields are touched on the selector thread only, but for the futures. */
  abstract class Connection {
    final SocketChannel channel;
    final StringBuilder text = new StringBuilder();
    ByteBuffer out = ByteBuffer.allocate(0);
    SelectionKey key;

    Connection() throws IOException {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
    }

    void send(String request) {
      out = ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1));
      key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
    }

    abstract void received(long now);

    abstract void failed(Throwable failure);
  }

  /** An event stream: the highest event id seen, and a future for a later one. */
  final class Stream extends Connection {
    final CompletableFuture<Long> opened = new CompletableFuture<>();
    private boolean headers;
    private long lastId = -1;
    private long expected = Long.MAX_VALUE;
    private CompletableFuture<Long> arrival = new CompletableFuture<>();

    Stream() throws IOException {}

    synchronized long lastId() {
      return lastId;
    }

    /** A future of when this stream first has an event of id {@code id} or more. */
    synchronized CompletableFuture<Long> expect(long id) {
      expected = id;
      arrival = new CompletableFuture<>();
      if (lastId >= id) {
        arrival.complete(System.nanoTime());
      }
      return arrival;
    }

    @Override
    void received(long now) {
      if (!headers) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        if (text.indexOf("HTTP/1.1 200") != 0) {
          failed(new IllegalStateException("stream answered " + text.substring(0, text.indexOf("\r"))));
          return;
        }
        headers = true;
        text.delete(0, end + 4);
      }
      int cut = text.lastIndexOf("\n");
      if (cut < 0) {
        return;
      }
      long max = -1;
      for (Matcher m = ID.matcher(text.substring(0, cut + 1)); m.find(); ) {
        max = Math.max(max, Long.parseLong(m.group(1)));
      }
      text.delete(0, cut + 1);
      if (max >= 0) {
        seen(max, now);
      }
    }

    private synchronized void seen(long id, long now) {
      lastId = Math.max(lastId, id);
      opened.complete(now);
      if (lastId >= expected) {
        arrival.complete(now);
      }
    }

    @Override
    synchronized void failed(Throwable failure) {
      opened.completeExceptionally(failure);
      arrival.completeExceptionally(failure);
    }
  }

  /** A keep-alive connection running one blocking query at a time. */
  final class Querier extends Connection {
    private CompletableFuture<Long> answer;
    private long after;
    private int bodyStart = -1;
    private int length;

    Querier() throws IOException {}

    @Override
    void received(long now) {
      if (answer == null) {
        failed(new IllegalStateException("bytes without a query: " + text));
        return;
      }
      if (bodyStart < 0) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        String head = text.substring(0, end + 2);
        Matcher len = LENGTH.matcher(head);
        Matcher index = INDEX.matcher(head);
        if (!head.startsWith("HTTP/1.1 200") || !len.find() || !index.find() || Long.parseLong(index.group(1)) <= after) {
          failed(new IllegalStateException("query answered " + head));
          return;
        }
        bodyStart = end + 4;
        length = Integer.parseInt(len.group(1));
      }
      if (text.length() >= bodyStart + length) {
        text.setLength(0);
        bodyStart = -1;
        CompletableFuture<Long> done = answer;
        answer = null;
        done.complete(now);
      }
    }

    @Override
    void failed(Throwable failure) {
      if (answer != null) {
        answer.completeExceptionally(failure);
      }
    }
  }

  LoopbackClient(URI base) throws IOException {
    address = new InetSocketAddress(base.getHost(), base.getPort());
    host = base.getHost() + ":" + base.getPort();
    selector = Selector.open();
    thread = new Thread(this::loop, "loopback-client");
    thread.setDaemon(true);
    thread.start();
  }

  /** Opens an event stream on {@code path}; its {@code opened} future completes on the snapshot. */
  Stream stream(String path) throws IOException {
    Stream s = new Stream();
    connect(s, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n\r\n");
    return s;
  }

  /** A connection for {@link #query}, not yet connected. */
  Querier querier() throws IOException {
    Querier q = new Querier();
    connect(q, null);
    return q;
  }

  /** Sends a GET on {@code q}; the future completes when an answer of an index above {@code after} has arrived. */
  CompletableFuture<Long> query(Querier q, String path, long after) {
    CompletableFuture<Long> answer = new CompletableFuture<>();
    run(() -> {
      q.answer = answer;
      q.after = after;
      q.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    });
    return answer;
  }

  private void connect(Connection c, String request) {
    run(() -> {
      try {
        connections.add(c);
        c.key = c.channel.register(selector, SelectionKey.OP_CONNECT, c);
        c.channel.connect(address);
        if (request != null) {
          c.out = ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1));
        }
      } catch (IOException e) {
        c.failed(e);
      }
    });
  }

  private void run(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  private void loop() {
    while (running) {
      try {
        selector.select();
        for (Runnable task; (task = tasks.poll()) != null; ) {
          task.run();
        }
        long now = System.nanoTime();
        for (SelectionKey key : selector.selectedKeys()) {
          handle(key, (Connection) key.attachment(), now);
        }
        selector.selectedKeys().clear();
      } catch (IOException | RuntimeException e) {
        if (running) {
          e.printStackTrace();
        }
      }
    }
  }

  private void handle(SelectionKey key, Connection c, long now) {
    try {
      if (!key.isValid()) {
        return;
      }
      if (key.isConnectable() && c.channel.finishConnect()) {
        key.interestOps(SelectionKey.OP_READ | (c.out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
      }
      if (key.isValid() && key.isWritable()) {
        c.channel.write(c.out);
        if (!c.out.hasRemaining()) {
          key.interestOps(SelectionKey.OP_READ);
        }
      }
      if (key.isValid() && key.isReadable()) {
        readBuffer.clear();
        int n = c.channel.read(readBuffer);
        if (n < 0) {
          key.cancel();
          c.channel.close();
          c.failed(new IOException("connection closed by the agent"));
          return;
        }
        readBuffer.flip();
        while (readBuffer.hasRemaining()) {
          c.text.append((char) (readBuffer.get() & 0xff));
        }
        c.received(now);
      }
    } catch (IOException e) {
      key.cancel();
      c.failed(e);
    }
  }

  /** Closes every connection and stops the selector thread. */
  @Override
  public void close() throws IOException, InterruptedException {
    run(() -> {
      running = false;
      for (Connection c : connections) {
        try {
          c.channel.close();
        } catch (IOException e) {
          // Closing anyway.
        }
      }
    });
    thread.join(10_000);
    selector.close();
  }
}
