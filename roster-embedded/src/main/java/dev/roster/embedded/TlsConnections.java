package dev.roster.embedded;

import io.netty.handler.ssl.SslContext;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.common.X509Exception;
import org.apache.zookeeper.common.X509Util;
import org.apache.zookeeper.common.ZKConfig;
import org.apache.zookeeper.server.NettyServerCnxnFactory;
import org.apache.zookeeper.server.auth.AuthenticationProvider;
import org.apache.zookeeper.server.auth.ProviderRegistry;
import org.apache.zookeeper.server.auth.X509AuthenticationProvider;
import org.jspecify.annotations.Nullable;

/**
 * The TLS side of an {@link EmbeddedZooKeeper}: a Netty connection factory that serves TLS with
 * one server's own {@link ServerTls}, and the {@code x509} authentication that turns a client
 * certificate into the session's identity.
 *
 * <p>Why it reaches into ZooKeeper (3.9.5), and where:
 *
 * <ul>
 *   <li>{@code NettyServerCnxnFactory} reads its TLS settings from the JVM's system properties,
 *       on every new connection ({@code initSSL} builds a fresh {@code ZKConfig()}), so they
 *       cannot be set for its construction only, and two servers in one JVM could not differ.
 *       Instead its {@code x509Util} field is replaced with one that returns the SslContext
 *       built here, once, from this server's stores. Its constructor is package-private, so it
 *       is called reflectively too.
 *   <li>After a handshake in which the client showed a certificate, the factory authenticates
 *       the session with the {@code x509} provider of ZooKeeper's JVM-wide {@link
 *       ProviderRegistry}, and closes the connection if there is none. The registry only loads
 *       providers named by system properties, through a no-argument constructor that again reads
 *       the stores from system properties. So one provider is put into the registry's map
 *       directly; it vouches for a chain that the trust store of any TLS server of this JVM
 *       vouches for. The handshake already checked the chain against the server's own trust
 *       store; the provider only names the identity.
 * </ul>
 *
 * No system property is read or written for TLS. If a ZooKeeper upgrade moves these internals,
 * starting a TLS server fails with an {@link IllegalStateException} that says so.
 */
final class TlsConnections {
  private static final String X509_SCHEME = "x509";

  /** The trust managers of the running TLS servers that ask for client certificates. */
  private static final List<X509TrustManager> TRUSTED = new CopyOnWriteArrayList<>();

  private static final X509AuthenticationProvider PROVIDER =
      new X509AuthenticationProvider(new AnyServersTrust(), null);

  private final NettyServerCnxnFactory factory;
  private final @Nullable X509TrustManager clientTrust;

  private TlsConnections(NettyServerCnxnFactory factory, @Nullable X509TrustManager clientTrust) {
    this.factory = factory;
    this.clientTrust = clientTrust;
  }

  /**
   * A connection factory serving TLS with {@code tls}, not yet configured.
   *
   * @throws IllegalStateException if ZooKeeper cannot use a store after all (its message says
   *     why), or its internals are not what this class expects
   */
  static TlsConnections create(ServerTls tls) {
    ZKConfig config = zooKeeperConfig(tls);
    SslContext context;
    X509TrustManager clientTrust = null;
    try (ClientX509Util x509 = new ClientX509Util()) {
      context = x509.createNettySslContextForServer(config);
      if (tls.clientAuth() != ServerTls.ClientAuth.NONE) {
        clientTrust = X509Util.createTrustManager(tls.trustStore().toString(), new String(tls.trustPassword()),
            tls.trustStoreType(), false, false, false, false, false, false);
      }
    } catch (X509Exception | javax.net.ssl.SSLException e) {
      throw new IllegalStateException("cannot serve TLS with " + tls + ": " + e.getMessage(), e);
    }
    return new TlsConnections(nettyFactory(context), clientTrust);
  }

  /** The factory, to configure with {@code secure} true and start. */
  NettyServerCnxnFactory factory() {
    return factory;
  }

  /** From now on, client certificates this server's trust store vouches for authenticate sessions. */
  void acceptClientIdentities() {
    if (clientTrust == null) {
      return;
    }
    TRUSTED.add(clientTrust);
    installProvider();
  }

  /** This server no longer vouches for client certificates. */
  void forgetClientIdentities() {
    if (clientTrust != null) {
      TRUSTED.remove(clientTrust);
    }
  }

  /**
   * This server's settings as ZooKeeper's keys. Every key that names a store is set, empty if
   * unused, so that nothing is taken from system properties that ZKConfig copies in.
   */
  private static ZKConfig zooKeeperConfig(ServerTls tls) {
    ZKConfig config = new ZKConfig();
    try (ClientX509Util keys = new ClientX509Util()) {
      config.setProperty(keys.getSslKeystoreLocationProperty(), tls.keyStore().toString());
      config.setProperty(keys.getSslKeystorePasswdProperty(), new String(tls.keyPassword()));
      config.setProperty(keys.getSslKeystorePasswdPathProperty(), "");
      config.setProperty(keys.getSslKeystoreTypeProperty(), tls.keyStoreType());
      boolean trust = tls.trustStore() != null;
      config.setProperty(keys.getSslTruststoreLocationProperty(), trust ? tls.trustStore().toString() : "");
      config.setProperty(keys.getSslTruststorePasswdProperty(), trust ? new String(tls.trustPassword()) : "");
      config.setProperty(keys.getSslTruststorePasswdPathProperty(), "");
      if (trust) {
        config.setProperty(keys.getSslTruststoreTypeProperty(), tls.trustStoreType());
      }
      config.setProperty(keys.getSslClientAuthProperty(), tls.clientAuth().zooKeeperValue());
    }
    return config;
  }

  private static NettyServerCnxnFactory nettyFactory(SslContext context) {
    try {
      Constructor<NettyServerCnxnFactory> constructor = NettyServerCnxnFactory.class.getDeclaredConstructor();
      constructor.setAccessible(true);
      NettyServerCnxnFactory factory = constructor.newInstance();
      Field field = NettyServerCnxnFactory.class.getDeclaredField("x509Util");
      field.setAccessible(true);
      ((ClientX509Util) field.get(factory)).close();
      field.set(factory, new FixedContext(context));
      return factory;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot serve TLS: this ZooKeeper's NettyServerCnxnFactory does not have "
          + "the constructor and x509Util field of 3.9.5 (" + e + ")", e);
    }
  }

  /** Puts {@link #PROVIDER} into ZooKeeper's registry as the {@code x509} scheme, unless it is there. */
  @SuppressWarnings("unchecked")
  private static void installProvider() {
    synchronized (ProviderRegistry.class) {
      // Loads the registry's defaults first, which would otherwise be loaded later over ours.
      if (ProviderRegistry.getProvider(X509_SCHEME) == PROVIDER) {
        return;
      }
      try {
        Field field = ProviderRegistry.class.getDeclaredField("authenticationProviders");
        field.setAccessible(true);
        ((Map<String, AuthenticationProvider>) field.get(null)).put(X509_SCHEME, PROVIDER);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException("cannot authenticate x509 clients: this ZooKeeper's ProviderRegistry "
            + "does not have the authenticationProviders map of 3.9.5 (" + e + ")", e);
      }
    }
  }

  /** A ClientX509Util whose server SSL context is the one built from the server's own stores. */
  private static final class FixedContext extends ClientX509Util {
    private final SslContext context;

    FixedContext(SslContext context) {
      this.context = context;
    }

    @Override
    public SslContext createNettySslContextForServer(ZKConfig config) {
      return context;
    }

    @Override
    public SslContext createNettySslContextForServer(ZKConfig config, KeyManager keyManager, TrustManager trust) {
      return context;
    }
  }

  /** Vouches for a client chain that the trust store of some running TLS server vouches for. */
  private static final class AnyServersTrust implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      CertificateException first = null;
      for (X509TrustManager trust : TRUSTED) {
        try {
          trust.checkClientTrusted(chain, authType);
          return;
        } catch (CertificateException e) {
          first = first == null ? e : first;
        }
      }
      throw first != null ? first : new CertificateException("no TLS server of this JVM accepts client certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("only client certificates are checked here");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> issuers = new ArrayList<>();
      for (X509TrustManager trust : TRUSTED) {
        issuers.addAll(List.of(trust.getAcceptedIssuers()));
      }
      return issuers.toArray(new X509Certificate[0]);
    }
  }
}
