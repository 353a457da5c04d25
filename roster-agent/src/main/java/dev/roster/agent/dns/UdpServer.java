package dev.roster.agent.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over UDP: one blocking channel and a receiving thread per core (the channel lets one thread
 * receive while another answers and sends). A thread only parses and answers; a question that
 * must wait for a view is answered later from the handler's executor.
 */
final class UdpServer {
  private static final Logger log = LoggerFactory.getLogger(UdpServer.class);
  /** Bigger queries are cut to this and then fail to parse (FORMERR): no real query is near it. */
  private static final int RECEIVE_BUFFER = 4096;

  private final DatagramChannel channel;
  private final DnsHandler handler;
  private final DnsMeters meters;
  private final List<Thread> threads = new ArrayList<>();
  private final InetSocketAddress local;
  private volatile boolean closed;

  UdpServer(InetSocketAddress address, DnsHandler handler, DnsMeters meters) throws IOException {
    this.handler = handler;
    this.meters = meters;
    channel = DatagramChannel.open(address.getAddress() instanceof java.net.Inet6Address
        ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET);
    try {
      channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
      channel.bind(address);
      local = (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  InetSocketAddress address() {
    return local;
  }

  void start() {
    int n = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(this::loop, "roster-dns-udp-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void loop() {
    ByteBuffer in = ByteBuffer.allocate(RECEIVE_BUFFER);
    while (!closed) {
      SocketAddress source;
      in.clear();
      try {
        source = channel.receive(in);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          log.debug("DNS receive failed", e);
        }
        continue;
      }
      if (!(source instanceof InetSocketAddress from)) {
        continue;
      }
      try {
        byte[] reply = handler.handle(in.array(), in.position(), from.getAddress(), false, late -> send(late, from));
        if (reply != DnsHandler.DEFERRED) {
          send(reply, from);
        }
      } catch (Throwable e) {
        // Nothing a packet does may end the loop; the handler already catches what it can.
        log.warn("DNS packet from {} could not be handled", from, e);
        meters.dropped("error");
      }
    }
  }

  private void send(byte @Nullable [] reply, InetSocketAddress to) {
    if (reply == null || closed) {
      return;
    }
    try {
      channel.send(ByteBuffer.wrap(reply), to);
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        log.debug("DNS reply to {} could not be sent", to, e);
        meters.dropped("send-failed");
      }
    }
  }

  void close() {
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    for (Thread t : threads) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
