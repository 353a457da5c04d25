package dev.roster.internal;

import dev.roster.security.Tls;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.zookeeper.client.ConnectStringParser;
import org.apache.zookeeper.common.X509Exception;
import org.apache.zookeeper.common.X509Util;
import org.jspecify.annotations.Nullable;

/**
 * Says why a TLS connection to ZooKeeper fails, which ZooKeeper's client does not: on a failed
 * handshake it logs and tries again, for ever, so a bad certificate would look like a server
 * that does not answer.
 *
 * <p>When the first connection is late, {@link Connection} asks for one handshake with every
 * server of the connect string, made here with plain JSSE but with the checks ZooKeeper's client
 * makes: the trust manager and key manager come from ZooKeeper's {@link X509Util} with the same
 * stores and the same hostname verification (the address as written in the connect string,
 * then its host name, never a reverse lookup). The answer names the problem: a CA the trust store
 * does not hold, an expired certificate, a name that does not match, a client certificate the
 * server refused, or a port that does not speak TLS.
 */
final class TlsDiagnosis {
  /** After the handshake, how long to wait for a refusal of this client's certificate (TLS 1.3 sends it late). */
  private static final int REFUSAL_WAIT_MS = 500;

  private TlsDiagnosis() {}

  /**
   * Tries a handshake with each server within {@code budget}.
   *
   * @return what failed, naming the server and the certificate problem; null if some server
   *     completed the handshake, or none could be reached (then TLS is not what is wrong)
   */
  static @Nullable String diagnose(String connectString, Tls tls, Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    String first = null;
    for (InetSocketAddress server : new ConnectStringParser(connectString).getServerAddresses()) {
      if (remainingMs(deadline) <= 0) {
        break;
      }
      Outcome outcome = handshake(server, tls, deadline);
      if (outcome.handshook) {
        return null;
      }
      if (first == null && outcome.problem != null) {
        first = outcome.problem;
      }
    }
    return first;
  }

  private record Outcome(boolean handshook, @Nullable String problem) {}

  /** Milliseconds left until {@code deadline} (of {@link System#nanoTime()}), at least 0. */
  private static int remainingMs(long deadline) {
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
  }

  private static Outcome handshake(InetSocketAddress server, Tls tls, long deadline) {
    String host = server.getHostString();
    String where = "TLS handshake with " + host + ":" + server.getPort() + " failed: ";
    Recording trust;
    SSLContext context;
    try {
      trust = new Recording(trustManager(tls));
      context = SSLContext.getInstance("TLS");
      context.init(keyManagers(tls), new X509TrustManager[] {trust}, null);
    } catch (GeneralSecurityException | X509Exception e) {
      return new Outcome(false, where + "cannot use the stores: " + e.getMessage());
    }
    try (Socket plain = new Socket()) {
      try {
        plain.connect(new InetSocketAddress(host, server.getPort()), Math.max(1, remainingMs(deadline)));
      } catch (IOException e) {
        return new Outcome(false, null); // not reachable: nothing to say about TLS
      }
      try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, server.getPort(), true)) {
        socket.setSoTimeout(Math.max(1, remainingMs(deadline)));
        socket.startHandshake();
        // In TLS 1.3 the server checks the client's certificate after the client has finished
        // its part of the handshake, so a refusal arrives as the first record read.
        socket.setSoTimeout(Math.max(1, Math.min(remainingMs(deadline), REFUSAL_WAIT_MS)));
        try {
          if (socket.getInputStream().read() < 0) {
            return new Outcome(false, where + "the server closed the connection after the handshake"
                + (tls.keyStore() != null ? " (did it refuse the client certificate " + tls.clientSubject() + "?)" : ""));
          }
        } catch (SocketTimeoutException e) {
          // Nothing to read: the server waits for ZooKeeper's handshake, so TLS is fine.
        }
        return new Outcome(true, null);
      }
    } catch (SocketTimeoutException e) {
      return new Outcome(false, where + "no TLS answer in time");
    } catch (IOException e) {
      return new Outcome(false, where + describe(e, host, tls, trust.chain));
    }
  }

  /** The problem in words, then the JDK's own message, so that both can be searched for. */
  static String describe(IOException e, String host, Tls tls, X509Certificate @Nullable [] chain) {
    String message = String.valueOf(e.getMessage());
    String lower = message.toLowerCase(Locale.ROOT);
    String certificate = chain == null || chain.length == 0 ? "the server's certificate"
        : "the server's certificate (" + chain[0].getSubjectX500Principal().getName() + ", issued by "
            + chain[0].getIssuerX500Principal().getName() + ")";
    CertificateExpiredException expired = cause(e, CertificateExpiredException.class);
    if (expired != null) {
      return certificate + " has expired"
          + (chain != null && chain.length > 0 ? " (valid until " + chain[0].getNotAfter().toInstant() + ")" : "")
          + ": " + message + " (" + expired.getMessage() + ")";
    }
    CertificateNotYetValidException early = cause(e, CertificateNotYetValidException.class);
    if (early != null) {
      return certificate + " is not valid yet: " + message + " (" + early.getMessage() + ")";
    }
    if (cause(e, CertPathBuilderException.class) != null || lower.contains("pkix path building failed")) {
      return certificate + " is not signed by a CA in the trust store " + tls.trustStore() + ": " + message;
    }
    SSLException unverified = cause(e, javax.net.ssl.SSLPeerUnverifiedException.class);
    if (lower.contains("failed to verify") || lower.contains("no subject alternative") || unverified != null) {
      return certificate + " does not name " + host + " (it names " + names(chain) + "): " + message
          + (unverified != null && unverified != e ? " (" + unverified.getMessage() + ")" : "");
    }
    if (lower.contains("received fatal alert")) {
      if (lower.contains("certificate_required") || (tls.keyStore() == null && lower.contains("bad_certificate"))) {
        return "the server requires a client certificate, and this Roster has no tls key store: " + message;
      }
      if (lower.contains("certificate") || lower.contains("unknown_ca") || lower.contains("access_denied")) {
        return "the server refused this Roster's client certificate (" + tls.clientSubject() + "): " + message;
      }
      return "the server ended the handshake: " + message;
    }
    if (lower.contains("unsupported or unrecognized ssl message") || lower.contains("plaintext")) {
      return "the server does not answer in TLS (a plaintext port?): " + message;
    }
    if (e instanceof EOFException || cause(e, EOFException.class) != null
        || lower.contains("remote host terminated") || lower.contains("connection reset")) {
      return "the server closed the connection during the handshake (a plaintext port?): " + message;
    }
    if (e instanceof SSLHandshakeException) {
      return certificate + " was not accepted: " + message;
    }
    return message;
  }

  private static <T extends Throwable> @Nullable T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** The subject alternative names of the server's certificate, as written: {@code [ip:127.0.0.1, dns:localhost]}. */
  private static String names(X509Certificate @Nullable [] chain) {
    if (chain == null || chain.length == 0) {
      return "unknown names";
    }
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> sans = chain[0].getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          Object type = san.get(0);
          names.add((Integer.valueOf(7).equals(type) ? "ip:" : Integer.valueOf(2).equals(type) ? "dns:" : "")
              + san.get(1));
        }
      }
    } catch (CertificateParsingException e) {
      return "unreadable names";
    }
    return names.isEmpty() ? "no alternative names" : names.toString();
  }

  /** ZooKeeper's own trust manager over the same store: the PKIX check, then its hostname check. */
  private static X509ExtendedTrustManager trustManager(Tls tls) throws X509Exception {
    X509TrustManager trust = X509Util.createTrustManager(tls.trustStore().toString(),
        new String(SecurityAccess.trustPassword(tls)), tls.trustStoreType(),
        false, false, tls.hostnameVerification(), false, false, false);
    if (!(trust instanceof X509ExtendedTrustManager extended)) {
      throw new X509Exception.TrustManagerException("no X509ExtendedTrustManager for " + tls.trustStore());
    }
    return extended;
  }

  private static KeyManager @Nullable [] keyManagers(Tls tls) throws X509Exception {
    if (tls.keyStore() == null) {
      return null;
    }
    return new KeyManager[] {X509Util.createKeyManager(tls.keyStore().toString(),
        new String(SecurityAccess.keyPassword(tls)), tls.keyStoreType())};
  }

  /** Remembers the chain the server showed, so that a failure can say whose certificate it was. */
  private static final class Recording extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    volatile X509Certificate @Nullable [] chain;

    Recording(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      this.chain = chain.clone();
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      this.chain = chain.clone();
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      this.chain = chain.clone();
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }
}
