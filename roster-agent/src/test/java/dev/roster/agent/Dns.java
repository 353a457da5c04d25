package dev.roster.agent;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** A bare DNS client for tests: whole packets over UDP or TCP, to see sizes and flags as sent. */
final class Dns {
  private Dns() {}

  static Message query(String name, int type, int ednsPayload) {
    try {
      Message m = Message.newQuery(Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."), type,
          DClass.IN));
      if (ednsPayload > 0) {
        m.addRecord(new OPTRecord(ednsPayload, 0, 0), Section.ADDITIONAL);
      }
      return m;
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The reply's bytes, or null if none came within the timeout. */
  static byte @Nullable [] udp(InetSocketAddress server, byte[] query, int timeoutMillis) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(timeoutMillis);
      socket.send(new DatagramPacket(query, query.length, server));
      byte[] buffer = new byte[65_535];
      DatagramPacket p = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(p);
      } catch (SocketTimeoutException e) {
        return null;
      }
      return Arrays.copyOf(buffer, p.getLength());
    }
  }

  static byte[] tcp(InetSocketAddress server, byte[] query) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(server, 5_000);
      s.setSoTimeout(5_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(query.length);
      out.write(query);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] reply = new byte[in.readUnsignedShort()];
      in.readFully(reply);
      return reply;
    }
  }

  static Message udp(InetSocketAddress server, Message query) throws IOException {
    byte[] reply = udp(server, query.toWire(), 5_000);
    if (reply == null) {
      throw new IOException("no reply");
    }
    return new Message(reply);
  }

  static Message tcp(InetSocketAddress server, Message query) throws IOException {
    return new Message(tcp(server, query.toWire()));
  }

  /** The answer section's data as text, sorted: "10.0.0.1", "1 100 80 a1.svc.service.roster.". */
  static List<String> answers(Message m) {
    return m.getSection(Section.ANSWER).stream().map(r -> r.rdataToString()).sorted().collect(Collectors.toList());
  }

  static List<String> additional(Message m) {
    return m.getSection(Section.ADDITIONAL).stream().filter(r -> r.getType() != org.xbill.DNS.Type.OPT)
        .map(r -> r.getName() + " " + r.rdataToString()).sorted().collect(Collectors.toList());
  }
}
