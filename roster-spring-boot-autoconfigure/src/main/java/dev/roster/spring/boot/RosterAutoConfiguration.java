package dev.roster.spring.boot;

import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.codec.InstanceCodec;
import dev.roster.metrics.RosterMetrics;
import dev.roster.security.AclPolicy;
import dev.roster.security.Authentication;
import dev.roster.security.Secrets;
import dev.roster.security.Tls;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures a {@link Roster} from {@code roster.*} properties (unless the application
 * defines its own), closed with the context, with {@link RosterMetrics} as its event listener
 * so that Boot binds the {@code roster_*} meters to the application's {@code MeterRegistry}.
 * {@code roster.enabled=false} turns every Roster auto-configuration off.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "roster.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RosterProperties.class)
public class RosterAutoConfiguration {

  /** The library's events as Micrometer meters; a {@code MeterBinder} that Boot binds. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static class MetricsConfiguration {
    @Bean
    @ConditionalOnMissingBean
    RosterMetrics rosterMetrics() {
      return new RosterMetrics();
    }
  }

  /**
   * The Roster, built from {@code roster.*}. A value the library refuses fails startup with
   * an {@code InvalidConfigurationPropertyValueException} naming the property.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  Roster roster(RosterProperties properties, ObjectProvider<RosterMetrics> metrics) {
    Roster.Builder builder = Roster.builder();
    PropertyCheck.apply("roster.connect-string", properties.getConnectString(),
        () -> builder.connectString(properties.getConnectString()));
    PropertyCheck.apply("roster.base-path", properties.getBasePath(), () -> builder.basePath(properties.getBasePath()));
    PropertyCheck.apply("roster.session-timeout", properties.getSessionTimeout(),
        () -> builder.sessionTimeout(properties.getSessionTimeout()));
    PropertyCheck.apply("roster.connection-timeout", properties.getConnectionTimeout(),
        () -> builder.connectionTimeout(properties.getConnectionTimeout()));
    builder.failFast(properties.isFailFast());
    builder.codec(properties.getCodec() == RosterProperties.Codec.CURATOR
        ? InstanceCodec.curator() : InstanceCodec.springCloud());
    if (properties.getSnapshotDirectory() != null) {
      builder.snapshotDirectory(properties.getSnapshotDirectory());
    }
    authentication(properties.getAuthentication(), builder);
    tls(properties.getTls(), builder);
    acl(properties.getAcl(), builder);
    RosterEventListener listener = metrics.getIfAvailable();
    if (listener != null) {
      builder.eventListener(listener);
    }
    return PropertyCheck.build(properties, builder);
  }

  /** The per-service views that the DiscoveryClients, the load balancer and health share. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  RosterServiceViews rosterServiceViews(Roster roster, RosterProperties properties) {
    RosterProperties.Discovery discovery = properties.getDiscovery();
    PropertyCheck.positive("roster.discovery.ready-timeout", discovery.getReadyTimeout());
    PropertyCheck.notNegative("roster.discovery.services-cache-ttl", discovery.getServicesCacheTtl());
    return new RosterServiceViews(roster, discovery.getReadyTimeout(), discovery.getServicesCacheTtl(),
        discovery.isOnlyUp());
  }

  private static void authentication(RosterProperties.Authentication auth, Roster.Builder builder) {
    RosterProperties.Digest digest = auth.getDigest();
    if (digest.getUser() != null && auth.getSasl().isEnabled()) {
      throw PropertyCheck.invalid("roster.authentication.sasl.enabled", true,
          "digest and sasl authentication are exclusive: roster.authentication.digest.user is set too");
    }
    if (digest.getUser() != null) {
      Path file = digest.getPasswordFile();
      if (file == null) {
        throw PropertyCheck.invalid("roster.authentication.digest.password-file", null,
            "required with roster.authentication.digest.user");
      }
      char[] password = PropertyCheck.get("roster.authentication.digest.password-file", file,
          () -> Secrets.fromFile(file));
      PropertyCheck.apply("roster.authentication.digest.user", digest.getUser(),
          () -> builder.authentication(Authentication.digest(digest.getUser(), password)));
    } else if (auth.getSasl().isEnabled()) {
      String context = auth.getSasl().getLoginContext();
      PropertyCheck.apply("roster.authentication.sasl.login-context", context,
          () -> builder.authentication(context == null ? Authentication.sasl() : Authentication.sasl(context)));
    }
  }

  private static void tls(RosterProperties.Tls tls, Roster.Builder builder) {
    if (tls.getTrustStore() == null) {
      if (tls.getKeyStore() != null) {
        throw PropertyCheck.invalid("roster.tls.trust-store", null, "required with roster.tls.key-store");
      }
      return;
    }
    Tls.Builder tlsBuilder = Tls.builder();
    Path trustStore = tls.getTrustStore();
    char[] trustPassword = password("roster.tls.trust-store-password-file", tls.getTrustStorePasswordFile());
    PropertyCheck.apply("roster.tls.trust-store", trustStore, () -> tlsBuilder.trustStore(trustStore, trustPassword));
    Path keyStore = tls.getKeyStore();
    if (keyStore != null) {
      char[] keyPassword = password("roster.tls.key-store-password-file", tls.getKeyStorePasswordFile());
      PropertyCheck.apply("roster.tls.key-store", keyStore, () -> tlsBuilder.keyStore(keyStore, keyPassword));
    }
    tlsBuilder.hostnameVerification(tls.isHostnameVerification());
    Tls built = PropertyCheck.get("roster.tls.trust-store", trustStore, tlsBuilder::build);
    builder.tls(built);
  }

  private static char[] password(String property, Path file) {
    if (file == null) {
      throw PropertyCheck.invalid(property, null, "required with its store");
    }
    return PropertyCheck.get(property, file, () -> Secrets.fromFile(file));
  }

  private static void acl(RosterProperties.Acl acl, Roster.Builder builder) {
    if (acl.getPolicy() == null) {
      if (!acl.getReaders().isEmpty()) {
        throw PropertyCheck.invalid("roster.acl.readers", acl.getReaders(), "only with roster.acl.policy=locked");
      }
      if (!acl.getAdmins().isEmpty()) {
        throw PropertyCheck.invalid("roster.acl.policy", null, "required with roster.acl.admins (service-owned or locked)");
      }
      return;
    }
    if (acl.getPolicy() != RosterProperties.AclPolicyName.LOCKED && !acl.getReaders().isEmpty()) {
      throw PropertyCheck.invalid("roster.acl.readers", acl.getReaders(), "only with roster.acl.policy=locked");
    }
    AclPolicy policy = switch (acl.getPolicy()) {
      case OPEN -> AclPolicy.open();
      case SERVICE_OWNED -> AclPolicy.serviceOwned();
      case LOCKED -> PropertyCheck.get("roster.acl.readers", acl.getReaders(),
          () -> AclPolicy.locked(acl.getReaders().toArray(String[]::new)));
    };
    if (!acl.getAdmins().isEmpty()) {
      AclPolicy base = policy;
      policy = PropertyCheck.get("roster.acl.admins", acl.getAdmins(),
          () -> base.withAdmins(acl.getAdmins().toArray(String[]::new)));
    }
    builder.aclPolicy(policy);
  }
}
