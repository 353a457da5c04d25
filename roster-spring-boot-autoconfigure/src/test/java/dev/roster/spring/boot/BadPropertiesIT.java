package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.roster.testing.ZooKeeperExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/** A value the library refuses fails startup with an exception that names the property. */
class BadPropertiesIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void negativeWeightNamesTheProperty() {
    assertFailsNaming("roster.registration.weight", "weight",
        "roster.connect-string=" + zk.connectString(), "roster.registration.weight=-1");
  }

  @Test
  void badConnectStringNamesTheProperty() {
    assertFailsNaming("roster.connect-string", "connect string", "roster.connect-string=127.0.0.1:2181, 127.0.0.1:2182");
  }

  @Test
  void unreachableZooKeeperNamesTheConnectString() {
    assertFailsNaming("roster.connect-string", "127.0.0.1:1", "roster.connect-string=127.0.0.1:1",
        "roster.connection-timeout=1s");
  }

  @Test
  void badInstanceIdAndMetadataNameTheirProperty() {
    assertFailsNaming("roster.registration.instance-id", "instance id",
        "roster.connect-string=" + zk.connectString(), "roster.registration.instance-id=a/b");
    assertFailsNaming("roster.registration.metadata.instance_status", "reserved",
        "roster.connect-string=" + zk.connectString(), "roster.registration.metadata.instance_status=UP");
  }

  @Test
  void incompleteSecurityNamesTheMissingProperty() {
    assertFailsNaming("roster.authentication.digest.password-file", "required",
        "roster.connect-string=" + zk.connectString(), "roster.authentication.digest.user=payments");
    assertFailsNaming("roster.acl.policy", "identity",
        "roster.connect-string=" + zk.connectString(), "roster.acl.policy=service-owned");
    assertFailsNaming("roster.tls.trust-store", "required", "roster.connect-string=" + zk.connectString(),
        "roster.tls.key-store=/nonexistent/client.p12");
  }

  private static void assertFailsNaming(String property, String libraryWord, String... properties) {
    Throwable thrown = catchThrowable(() -> Apps.start(properties).close());
    assertThat(thrown).isNotNull();
    Throwable cause = thrown;
    while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
      cause = cause.getCause();
    }
    assertThat(cause).as("an InvalidConfigurationPropertyValueException in %s", thrown).isNotNull();
    InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) cause;
    assertThat(invalid.getName()).isEqualTo(property);
    assertThat(invalid.getReason()).contains(libraryWord);
  }
}
