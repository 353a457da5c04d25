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

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getConnectString() {
    return connectString;
  }

  public void setConnectString(String connectString) {
    this.connectString = connectString;
  }

  public String getBasePath() {
    return basePath;
  }

  public void setBasePath(String basePath) {
    this.basePath = basePath;
  }

  public Duration getSessionTimeout() {
    return sessionTimeout;
  }

  public void setSessionTimeout(Duration sessionTimeout) {
    this.sessionTimeout = sessionTimeout;
  }

  public Duration getConnectionTimeout() {
    return connectionTimeout;
  }

  public void setConnectionTimeout(Duration connectionTimeout) {
    this.connectionTimeout = connectionTimeout;
  }

  public boolean isFailFast() {
    return failFast;
  }

  public void setFailFast(boolean failFast) {
    this.failFast = failFast;
  }

  public Codec getCodec() {
    return codec;
  }

  public void setCodec(Codec codec) {
    this.codec = codec;
  }

  public @Nullable Path getSnapshotDirectory() {
    return snapshotDirectory;
  }

  public void setSnapshotDirectory(@Nullable Path snapshotDirectory) {
    this.snapshotDirectory = snapshotDirectory;
  }

  public Authentication getAuthentication() {
    return authentication;
  }

  public Tls getTls() {
    return tls;
  }

  public Acl getAcl() {
    return acl;
  }

  public Discovery getDiscovery() {
    return discovery;
  }

  public Registration getRegistration() {
    return registration;
  }

  /** roster.authentication.*: the identity of this application's session. */
  public static class Authentication {
    private final Digest digest = new Digest();
    private final Sasl sasl = new Sasl();

    public Digest getDigest() {
      return digest;
    }

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

    public @Nullable String getUser() {
      return user;
    }

    public void setUser(@Nullable String user) {
      this.user = user;
    }

    public @Nullable Path getPasswordFile() {
      return passwordFile;
    }

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

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getLoginContext() {
      return loginContext;
    }

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

    public @Nullable Path getTrustStore() {
      return trustStore;
    }

    public void setTrustStore(@Nullable Path trustStore) {
      this.trustStore = trustStore;
    }

    public @Nullable Path getTrustStorePasswordFile() {
      return trustStorePasswordFile;
    }

    public void setTrustStorePasswordFile(@Nullable Path trustStorePasswordFile) {
      this.trustStorePasswordFile = trustStorePasswordFile;
    }

    public @Nullable Path getKeyStore() {
      return keyStore;
    }

    public void setKeyStore(@Nullable Path keyStore) {
      this.keyStore = keyStore;
    }

    public @Nullable Path getKeyStorePasswordFile() {
      return keyStorePasswordFile;
    }

    public void setKeyStorePasswordFile(@Nullable Path keyStorePasswordFile) {
      this.keyStorePasswordFile = keyStorePasswordFile;
    }

    public boolean isHostnameVerification() {
      return hostnameVerification;
    }

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

    public @Nullable AclPolicyName getPolicy() {
      return policy;
    }

    public void setPolicy(@Nullable AclPolicyName policy) {
      this.policy = policy;
    }

    public List<String> getReaders() {
      return readers;
    }

    public void setReaders(List<String> readers) {
      this.readers = readers;
    }

    public List<String> getAdmins() {
      return admins;
    }

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

    public Duration getReadyTimeout() {
      return readyTimeout;
    }

    public void setReadyTimeout(Duration readyTimeout) {
      this.readyTimeout = readyTimeout;
    }

    public Duration getServicesCacheTtl() {
      return servicesCacheTtl;
    }

    public void setServicesCacheTtl(Duration servicesCacheTtl) {
      this.servicesCacheTtl = servicesCacheTtl;
    }

    public boolean isOnlyUp() {
      return onlyUp;
    }

    public void setOnlyUp(boolean onlyUp) {
      this.onlyUp = onlyUp;
    }

    public int getOrder() {
      return order;
    }

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

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getAddress() {
      return address;
    }

    public void setAddress(@Nullable String address) {
      this.address = address;
    }

    public @Nullable Integer getPort() {
      return port;
    }

    public void setPort(@Nullable Integer port) {
      this.port = port;
    }

    public @Nullable String getZone() {
      return zone;
    }

    public void setZone(@Nullable String zone) {
      this.zone = zone;
    }

    public int getWeight() {
      return weight;
    }

    public void setWeight(int weight) {
      this.weight = weight;
    }

    public Map<String, String> getMetadata() {
      return metadata;
    }

    public void setMetadata(Map<String, String> metadata) {
      this.metadata = metadata;
    }

    public Duration getDrainGrace() {
      return drainGrace;
    }

    public void setDrainGrace(Duration drainGrace) {
      this.drainGrace = drainGrace;
    }

    public @Nullable String getInstanceId() {
      return instanceId;
    }

    public void setInstanceId(@Nullable String instanceId) {
      this.instanceId = instanceId;
    }

    public ServiceInstance.Status getStatus() {
      return status;
    }

    public void setStatus(ServiceInstance.Status status) {
      this.status = status;
    }
  }
}
