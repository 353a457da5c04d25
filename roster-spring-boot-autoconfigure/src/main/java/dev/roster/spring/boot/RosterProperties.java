package dev.roster.spring.boot;

import dev.roster.ServiceInstance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The roster.* properties: where ZooKeeper is, how to talk to it, and how this
 * application registers itself. Values are checked by the library's own validation when the
 * {@link dev.roster.Roster} bean is built; a bad one fails startup naming the property.
 */
@ConfigurationProperties("roster")
public class RosterProperties {

  /** What a node's payload looks like on ZooKeeper. */
  public enum Codec {
    /** As Spring Cloud Zookeeper writes it, readable by it: the default, for mixed fleets. */
    SPRING_CLOUD,
    /** A plain JSON object, for Curator x-discovery readers with a Map payload. */
    CURATOR
  }

  /** How nodes created by this application are protected. */
  public enum AclPolicyName {
    /** Everyone may do everything (the default without an identity). */
    OPEN,
    /** The creating identity has all permissions, everyone else reads (the default with one). */
    SERVICE_OWNED,
    /** The creating identity has all permissions, only roster.acl.readers read. */
    LOCKED
  }

  /** Whether Roster's auto-configuration is on at all; off leaves every Roster bean out. */
  private boolean enabled = true;

  /** The ZooKeeper ensemble, host:port[,host:port...]. */
  private String connectString = "127.0.0.1:2181";

  /** The base path under which services live; Spring Cloud Zookeeper's default. */
  private String basePath = "/services";

  /** The ZooKeeper session timeout; the server may adjust it to its bounds. */
  private Duration sessionTimeout = Duration.ofSeconds(10);

  /** How long startup waits for the first connection to ZooKeeper. */
  private Duration connectionTimeout = Duration.ofSeconds(15);

  /**
   * Whether startup fails when ZooKeeper cannot be reached within the connection timeout.
   * With false the application starts anyway and Roster keeps connecting in the background.
   */
  private boolean failFast = true;

  /** The payload format of the nodes this application writes; every format is read. */
  private Codec codec = Codec.SPRING_CLOUD;

  /**
   * A directory where each watched service's last list is kept, so that a client starting
   * while ZooKeeper is unreachable still has instances to call (marked stale).
   */
  private @Nullable Path snapshotDirectory;

  private final Authentication authentication = new Authentication();
  private final Tls tls = new Tls();
  private final Acl acl = new Acl();
  private final Discovery discovery = new Discovery();
  private final Registration registration = new Registration();

  /**
   * Returns {@code roster.enabled}.
   *
   * @return whether Roster's auto-configuration is on; off leaves every Roster bean out
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets {@code roster.enabled}.
   *
   * @param enabled whether Roster's auto-configuration is on; off leaves every Roster bean out
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Returns {@code roster.connect-string}.
   *
   * @return the ZooKeeper ensemble, {@code host:port[,host:port...]}
   */
  public String getConnectString() {
    return connectString;
  }

  /**
   * Sets {@code roster.connect-string}.
   *
   * @param connectString the ZooKeeper ensemble, {@code host:port[,host:port...]}
   */
  public void setConnectString(String connectString) {
    this.connectString = connectString;
  }

  /**
   * Returns {@code roster.base-path}.
   *
   * @return the base path under which services live
   */
  public String getBasePath() {
    return basePath;
  }

  /**
   * Sets {@code roster.base-path}.
   *
   * @param basePath the base path under which services live
   */
  public void setBasePath(String basePath) {
    this.basePath = basePath;
  }

  /**
   * Returns {@code roster.session-timeout}.
   *
   * @return the ZooKeeper session timeout
   */
  public Duration getSessionTimeout() {
    return sessionTimeout;
  }

  /**
   * Sets {@code roster.session-timeout}.
   *
   * @param sessionTimeout the ZooKeeper session timeout
   */
  public void setSessionTimeout(Duration sessionTimeout) {
    this.sessionTimeout = sessionTimeout;
  }

  /**
   * Returns {@code roster.connection-timeout}.
   *
   * @return how long startup waits for the first connection
   */
  public Duration getConnectionTimeout() {
    return connectionTimeout;
  }

  /**
   * Sets {@code roster.connection-timeout}.
   *
   * @param connectionTimeout how long startup waits for the first connection
   */
  public void setConnectionTimeout(Duration connectionTimeout) {
    this.connectionTimeout = connectionTimeout;
  }

  /**
   * Returns {@code roster.fail-fast}.
   *
   * @return whether startup fails when ZooKeeper cannot be reached in time
   */
  public boolean isFailFast() {
    return failFast;
  }

  /**
   * Sets {@code roster.fail-fast}.
   *
   * @param failFast whether startup fails when ZooKeeper cannot be reached in time
   */
  public void setFailFast(boolean failFast) {
    this.failFast = failFast;
  }

  /**
   * Returns {@code roster.codec}.
   *
   * @return the payload format of the nodes this application writes
   */
  public Codec getCodec() {
    return codec;
  }

  /**
   * Sets {@code roster.codec}.
   *
   * @param codec the payload format of the nodes this application writes
   */
  public void setCodec(Codec codec) {
    this.codec = codec;
  }

  /**
   * Returns {@code roster.snapshot-directory}.
   *
   * @return the directory for the views' last lists, or null for none
   */
  public @Nullable Path getSnapshotDirectory() {
    return snapshotDirectory;
  }

  /**
   * Sets {@code roster.snapshot-directory}.
   *
   * @param snapshotDirectory the directory for the views' last lists, or null for none
   */
  public void setSnapshotDirectory(@Nullable Path snapshotDirectory) {
    this.snapshotDirectory = snapshotDirectory;
  }

  /**
   * The {@code roster.authentication.*} properties.
   *
   * @return the authentication settings
   */
  public Authentication getAuthentication() {
    return authentication;
  }

  /**
   * The {@code roster.tls.*} properties.
   *
   * @return the TLS settings
   */
  public Tls getTls() {
    return tls;
  }

  /**
   * The {@code roster.acl.*} properties.
   *
   * @return the ACL settings
   */
  public Acl getAcl() {
    return acl;
  }

  /**
   * The {@code roster.discovery.*} properties.
   *
   * @return the discovery settings
   */
  public Discovery getDiscovery() {
    return discovery;
  }

  /**
   * The {@code roster.registration.*} properties.
   *
   * @return the registration settings
   */
  public Registration getRegistration() {
    return registration;
  }

  /** roster.authentication.*: the identity of this application's session. */
  public static class Authentication {
    private final Digest digest = new Digest();
    private final Sasl sasl = new Sasl();

    /**
     * The {@code roster.authentication.digest.*} properties.
     *
     * @return the digest settings
     */
    public Digest getDigest() {
      return digest;
    }

    /**
     * The {@code roster.authentication.sasl.*} properties.
     *
     * @return the SASL settings
     */
    public Sasl getSasl() {
      return sasl;
    }
  }

  /** roster.authentication.digest.*: ZooKeeper digest authentication. */
  public static class Digest {
    /** The digest user; with it, password-file is required. */
    private @Nullable String user;

    /** A file holding the password (a mounted secret); one trailing newline is ignored. */
    private @Nullable Path passwordFile;

    /**
     * Returns {@code roster.authentication.digest.user}.
     *
     * @return the digest user, or null for no digest authentication
     */
    public @Nullable String getUser() {
      return user;
    }

    /**
     * Sets {@code roster.authentication.digest.user}.
     *
     * @param user the digest user, or null for no digest authentication
     */
    public void setUser(@Nullable String user) {
      this.user = user;
    }

    /**
     * Returns {@code roster.authentication.digest.password-file}.
     *
     * @return the file holding the password, or null
     */
    public @Nullable Path getPasswordFile() {
      return passwordFile;
    }

    /**
     * Sets {@code roster.authentication.digest.password-file}.
     *
     * @param passwordFile the file holding the password, or null
     */
    public void setPasswordFile(@Nullable Path passwordFile) {
      this.passwordFile = passwordFile;
    }
  }

  /** roster.authentication.sasl.*: SASL (Kerberos) through a JAAS login context. */
  public static class Sasl {
    /** Whether to authenticate with SASL. */
    private boolean enabled;

    /** The JAAS login context; default ZooKeeper's, Client. */
    private @Nullable String loginContext;

    /**
     * Returns {@code roster.authentication.sasl.enabled}.
     *
     * @return whether to authenticate with SASL
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets {@code roster.authentication.sasl.enabled}.
     *
     * @param enabled whether to authenticate with SASL
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns {@code roster.authentication.sasl.login-context}.
     *
     * @return the JAAS login context, or null for {@code Client}
     */
    public @Nullable String getLoginContext() {
      return loginContext;
    }

    /**
     * Sets {@code roster.authentication.sasl.login-context}.
     *
     * @param loginContext the JAAS login context, or null for {@code Client}
     */
    public void setLoginContext(@Nullable String loginContext) {
      this.loginContext = loginContext;
    }
  }

  /** roster.tls.*: TLS to ZooKeeper; on once a trust store is set. */
  public static class Tls {
    /** The trust store (PKCS12 or JKS) holding the CAs whose server certificates to accept. */
    private @Nullable Path trustStore;

    /** A file holding the trust store's password. */
    private @Nullable Path trustStorePasswordFile;

    /** The key store with this application's client certificate, for x509 identity. */
    private @Nullable Path keyStore;

    /** A file holding the key store's password. */
    private @Nullable Path keyStorePasswordFile;

    /** Whether the server's certificate must name the host connected to. */
    private boolean hostnameVerification = true;

    /**
     * Returns {@code roster.tls.trust-store}.
     *
     * @return the trust store, or null for no TLS
     */
    public @Nullable Path getTrustStore() {
      return trustStore;
    }

    /**
     * Sets {@code roster.tls.trust-store}.
     *
     * @param trustStore the trust store, or null for no TLS
     */
    public void setTrustStore(@Nullable Path trustStore) {
      this.trustStore = trustStore;
    }

    /**
     * Returns {@code roster.tls.trust-store-password-file}.
     *
     * @return the file holding the trust store's password, or null
     */
    public @Nullable Path getTrustStorePasswordFile() {
      return trustStorePasswordFile;
    }

    /**
     * Sets {@code roster.tls.trust-store-password-file}.
     *
     * @param trustStorePasswordFile the file holding the trust store's password, or null
     */
    public void setTrustStorePasswordFile(@Nullable Path trustStorePasswordFile) {
      this.trustStorePasswordFile = trustStorePasswordFile;
    }

    /**
     * Returns {@code roster.tls.key-store}.
     *
     * @return the key store with the client certificate, or null for none
     */
    public @Nullable Path getKeyStore() {
      return keyStore;
    }

    /**
     * Sets {@code roster.tls.key-store}.
     *
     * @param keyStore the key store with the client certificate, or null for none
     */
    public void setKeyStore(@Nullable Path keyStore) {
      this.keyStore = keyStore;
    }

    /**
     * Returns {@code roster.tls.key-store-password-file}.
     *
     * @return the file holding the key store's password, or null
     */
    public @Nullable Path getKeyStorePasswordFile() {
      return keyStorePasswordFile;
    }

    /**
     * Sets {@code roster.tls.key-store-password-file}.
     *
     * @param keyStorePasswordFile the file holding the key store's password, or null
     */
    public void setKeyStorePasswordFile(@Nullable Path keyStorePasswordFile) {
      this.keyStorePasswordFile = keyStorePasswordFile;
    }

    /**
     * Returns {@code roster.tls.hostname-verification}.
     *
     * @return whether the server's certificate must name the host connected to
     */
    public boolean isHostnameVerification() {
      return hostnameVerification;
    }

    /**
     * Sets {@code roster.tls.hostname-verification}.
     *
     * @param hostnameVerification whether the server's certificate must name the host connected to
     */
    public void setHostnameVerification(boolean hostnameVerification) {
      this.hostnameVerification = hostnameVerification;
    }
  }

  /** roster.acl.*: the ACL on nodes this application creates. */
  public static class Acl {
    /** The policy; default service-owned with an identity, open without one. */
    private @Nullable AclPolicyName policy;

    /** With locked: ACL ids (scheme:id) that may read. */
    private List<String> readers = new ArrayList<>();

    /** Operator ACL ids (scheme:id) given all permissions on every node created. */
    private List<String> admins = new ArrayList<>();

    /**
     * Returns {@code roster.acl.policy}.
     *
     * @return the ACL policy, or null for the default (service-owned with an identity, open
     *     without)
     */
    public @Nullable AclPolicyName getPolicy() {
      return policy;
    }

    /**
     * Sets {@code roster.acl.policy}.
     *
     * @param policy the ACL policy, or null for the default (service-owned with an identity, open
     *     without)
     */
    public void setPolicy(@Nullable AclPolicyName policy) {
      this.policy = policy;
    }

    /**
     * Returns {@code roster.acl.readers}.
     *
     * @return the ACL ids ({@code scheme:id}) that may read under the locked policy
     */
    public List<String> getReaders() {
      return readers;
    }

    /**
     * Sets {@code roster.acl.readers}.
     *
     * @param readers the ACL ids ({@code scheme:id}) that may read under the locked policy
     */
    public void setReaders(List<String> readers) {
      this.readers = readers;
    }

    /**
     * Returns {@code roster.acl.admins}.
     *
     * @return the operator ACL ids ({@code scheme:id}) given all permissions
     */
    public List<String> getAdmins() {
      return admins;
    }

    /**
     * Sets {@code roster.acl.admins}.
     *
     * @param admins the operator ACL ids ({@code scheme:id}) given all permissions
     */
    public void setAdmins(List<String> admins) {
      this.admins = admins;
    }
  }

  /** roster.discovery.*: how the DiscoveryClient answers. */
  public static class Discovery {
    /**
     * How long the first getInstances of a service waits for its view's first read;
     * later calls never wait.
     */
    private Duration readyTimeout = Duration.ofSeconds(5);

    /**
     * How long the list of service names is reused: getServices() reads ZooKeeper at
     * most once per this period.
     */
    private Duration servicesCacheTtl = Duration.ofSeconds(5);

    /** Whether only UP instances are returned (not DRAINING, OUT_OF_SERVICE or STARTING). */
    private boolean onlyUp = true;

    /** The order of this DiscoveryClient among several. */
    private int order = 0;

    /**
     * Returns {@code roster.discovery.ready-timeout}.
     *
     * @return how long the first {@code getInstances} of a service waits for its view
     */
    public Duration getReadyTimeout() {
      return readyTimeout;
    }

    /**
     * Sets {@code roster.discovery.ready-timeout}.
     *
     * @param readyTimeout how long the first {@code getInstances} of a service waits for its view
     */
    public void setReadyTimeout(Duration readyTimeout) {
      this.readyTimeout = readyTimeout;
    }

    /**
     * Returns {@code roster.discovery.services-cache-ttl}.
     *
     * @return how long the list of service names is reused
     */
    public Duration getServicesCacheTtl() {
      return servicesCacheTtl;
    }

    /**
     * Sets {@code roster.discovery.services-cache-ttl}.
     *
     * @param servicesCacheTtl how long the list of service names is reused
     */
    public void setServicesCacheTtl(Duration servicesCacheTtl) {
      this.servicesCacheTtl = servicesCacheTtl;
    }

    /**
     * Returns {@code roster.discovery.only-up}.
     *
     * @return whether only UP instances are returned
     */
    public boolean isOnlyUp() {
      return onlyUp;
    }

    /**
     * Sets {@code roster.discovery.only-up}.
     *
     * @param onlyUp whether only UP instances are returned
     */
    public void setOnlyUp(boolean onlyUp) {
      this.onlyUp = onlyUp;
    }

    /**
     * Returns {@code roster.discovery.order}.
     *
     * @return the order of this DiscoveryClient among several
     */
    public int getOrder() {
      return order;
    }

    /**
     * Sets {@code roster.discovery.order}.
     *
     * @param order the order of this DiscoveryClient among several
     */
    public void setOrder(int order) {
      this.order = order;
    }
  }

  /** roster.registration.*: how this application registers itself. */
  public static class Registration {
    /**
     * Whether to register this application (spring.application.name, the web
     * server's port) once the web server has started.
     */
    private boolean enabled = true;

    /**
     * The address callers connect to; default server.address when it names one
     * host, else the IP address Spring Cloud's InetUtils picks.
     */
    private @Nullable String address;

    /** The port to register instead of the web server's (required without a web server). */
    private @Nullable Integer port;

    /** The availability zone; default spring.cloud.loadbalancer.zone. */
    private @Nullable String zone;

    /** The relative share of traffic, 0-1,000,000. */
    private int weight = ServiceInstance.DEFAULT_WEIGHT;

    /** Free-form attributes callers see in the instance's metadata. */
    private Map<String, String> metadata = new LinkedHashMap<>();

    /**
     * On shutdown: how long the instance stays registered as DRAINING, before it is
     * deregistered and the web server stops.
     */
    private Duration drainGrace = Duration.ofSeconds(10);

    /** The instance id; default a random UUID, fixed for the life of the process. */
    private @Nullable String instanceId;

    /** The status registered at start: UP, STARTING or OUT_OF_SERVICE. */
    private ServiceInstance.Status status = ServiceInstance.Status.UP;

    /**
     * Returns {@code roster.registration.enabled}.
     *
     * @return whether to register this application once the web server has started
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets {@code roster.registration.enabled}.
     *
     * @param enabled whether to register this application once the web server has started
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * Returns {@code roster.registration.address}.
     *
     * @return the address callers connect to, or null to pick one
     */
    public @Nullable String getAddress() {
      return address;
    }

    /**
     * Sets {@code roster.registration.address}.
     *
     * @param address the address callers connect to, or null to pick one
     */
    public void setAddress(@Nullable String address) {
      this.address = address;
    }

    /**
     * Returns {@code roster.registration.port}.
     *
     * @return the port to register, or null for the web server's
     */
    public @Nullable Integer getPort() {
      return port;
    }

    /**
     * Sets {@code roster.registration.port}.
     *
     * @param port the port to register, or null for the web server's
     */
    public void setPort(@Nullable Integer port) {
      this.port = port;
    }

    /**
     * Returns {@code roster.registration.zone}.
     *
     * @return the availability zone, or null for {@code spring.cloud.loadbalancer.zone}
     */
    public @Nullable String getZone() {
      return zone;
    }

    /**
     * Sets {@code roster.registration.zone}.
     *
     * @param zone the availability zone, or null for {@code spring.cloud.loadbalancer.zone}
     */
    public void setZone(@Nullable String zone) {
      this.zone = zone;
    }

    /**
     * Returns {@code roster.registration.weight}.
     *
     * @return the relative share of traffic
     */
    public int getWeight() {
      return weight;
    }

    /**
     * Sets {@code roster.registration.weight}.
     *
     * @param weight the relative share of traffic
     */
    public void setWeight(int weight) {
      this.weight = weight;
    }

    /**
     * Returns {@code roster.registration.metadata}.
     *
     * @return the free-form attributes callers see in the instance's metadata
     */
    public Map<String, String> getMetadata() {
      return metadata;
    }

    /**
     * Sets {@code roster.registration.metadata}.
     *
     * @param metadata the free-form attributes callers see in the instance's metadata
     */
    public void setMetadata(Map<String, String> metadata) {
      this.metadata = metadata;
    }

    /**
     * Returns {@code roster.registration.drain-grace}.
     *
     * @return how long the instance stays registered as DRAINING on shutdown
     */
    public Duration getDrainGrace() {
      return drainGrace;
    }

    /**
     * Sets {@code roster.registration.drain-grace}.
     *
     * @param drainGrace how long the instance stays registered as DRAINING on shutdown
     */
    public void setDrainGrace(Duration drainGrace) {
      this.drainGrace = drainGrace;
    }

    /**
     * Returns {@code roster.registration.instance-id}.
     *
     * @return the instance id, or null for a random UUID
     */
    public @Nullable String getInstanceId() {
      return instanceId;
    }

    /**
     * Sets {@code roster.registration.instance-id}.
     *
     * @param instanceId the instance id, or null for a random UUID
     */
    public void setInstanceId(@Nullable String instanceId) {
      this.instanceId = instanceId;
    }

    /**
     * Returns {@code roster.registration.status}.
     *
     * @return the status registered at start
     */
    public ServiceInstance.Status getStatus() {
      return status;
    }

    /**
     * Sets {@code roster.registration.status}.
     *
     * @param status the status registered at start
     */
    public void setStatus(ServiceInstance.Status status) {
      this.status = status;
    }
  }
}
