package dev.roster.spring.boot;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import java.util.function.IntFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationAutoConfiguration;
import org.springframework.cloud.commons.util.InetUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configures {@link RosterServiceRegistry} and, unless {@code
 * roster.registration.enabled=false} or {@code
 * spring.cloud.service-registry.auto-registration.enabled=false}, the application's own
 * registration ({@link RosterAutoServiceRegistration}). The instance is checked when the
 * context starts, so a bad {@code roster.registration.*} value fails startup naming it.
 */
@AutoConfiguration(after = RosterAutoConfiguration.class, before = AutoServiceRegistrationAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "roster.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.enabled", matchIfMissing = true)
@ConditionalOnBean(Roster.class)
public class RosterServiceRegistryAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  RosterServiceRegistry rosterServiceRegistry(Roster roster) {
    return new RosterServiceRegistry(roster);
  }

  /** The application's own registration, once its web server has its port. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = "roster.registration.enabled", matchIfMissing = true)
  @ConditionalOnClass(name = "org.springframework.boot.web.server.context.WebServerInitializedEvent")
  static class AutoRegistration {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "spring.cloud.service-registry.auto-registration.enabled", matchIfMissing = true)
    RosterAutoServiceRegistration rosterAutoServiceRegistration(ApplicationContext context, RosterServiceRegistry registry,
        RosterProperties properties, Environment environment, ObjectProvider<InetUtils> inetUtils) {
      RosterProperties.Registration registration = properties.getRegistration();
      PropertyCheck.notNegative("roster.registration.drain-grace", registration.getDrainGrace());
      IntFunction<ServiceInstance> instance = instanceFactory(registration, environment, inetUtils);
      Integer port = registration.getPort();
      if (port != null) {
        PropertyCheck.get("roster.registration.port", port, () -> instance.apply(port));
      }
      return new RosterAutoServiceRegistration(context, registry, instance, port, registration.getDrainGrace());
    }

    /**
     * Builds the instance template once, field by field, so that each bad value is reported
     * under its own property; what varies afterwards is the port alone.
     */
    private static IntFunction<ServiceInstance> instanceFactory(RosterProperties.Registration registration,
        Environment environment, ObjectProvider<InetUtils> inetUtils) {
      String service = environment.getProperty("spring.application.name", "application");
      String id = registration.getInstanceId() != null ? registration.getInstanceId() : UUID.randomUUID().toString();
      String address = address(registration, environment, inetUtils);
      String zone = registration.getZone() != null ? registration.getZone()
          : environment.getProperty("spring.cloud.loadbalancer.zone");
      boolean ssl = environment.getProperty("server.ssl.enabled", Boolean.class, false)
          || environment.getProperty("server.ssl.bundle") != null;
      ServiceInstance.Builder builder = PropertyCheck.get("spring.application.name", service,
          () -> ServiceInstance.builder(service));
      PropertyCheck.apply("roster.registration.instance-id", id, () -> builder.id(id));
      PropertyCheck.apply("roster.registration.address", address, () -> builder.address(address));
      if (zone != null && !zone.isEmpty()) {
        PropertyCheck.apply("roster.registration.zone", zone, () -> builder.zone(zone));
      }
      PropertyCheck.apply("roster.registration.weight", registration.getWeight(),
          () -> builder.weight(registration.getWeight()));
      registration.getMetadata().forEach((key, value) ->
          PropertyCheck.apply("roster.registration.metadata." + key, value, () -> builder.metadata(key, value)));
      PropertyCheck.apply("roster.registration.status", registration.getStatus(),
          () -> builder.status(registration.getStatus()));
      ServiceInstance template = PropertyCheck.get("roster.registration", null, () -> builder.port(1).build().validate());
      return port -> {
        ServiceInstance.Builder b = template.toBuilder().port(port);
        if (ssl) {
          b.sslPort(port);
        }
        return b.build();
      };
    }

    private static String address(RosterProperties.Registration registration, Environment environment,
        ObjectProvider<InetUtils> inetUtils) {
      if (registration.getAddress() != null && !registration.getAddress().isBlank()) {
        return registration.getAddress();
      }
      String serverAddress = environment.getProperty("server.address");
      if (serverAddress != null && !serverAddress.isBlank()) {
        try {
          if (!InetAddress.getByName(serverAddress).isAnyLocalAddress()) {
            return serverAddress;
          }
        } catch (UnknownHostException e) {
          return serverAddress;
        }
      }
      InetUtils utils = inetUtils.getIfAvailable();
      if (utils != null) {
        return utils.findFirstNonLoopbackHostInfo().getIpAddress();
      }
      try {
        return InetAddress.getLocalHost().getHostAddress();
      } catch (UnknownHostException e) {
        return "127.0.0.1";
      }
    }
  }
}
