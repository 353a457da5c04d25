package dev.roster.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.embedded.ServerTls.ClientAuth;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link ServerTls.Builder#build()} refuses, and how it says so. Stores with keys in them
 * need keytool and are tested with a running server in roster-testing.
 */
class ServerTlsTest {
  private static final char[] PASSWORD = "store-secret".toCharArray();

  @TempDir Path dir;

  @Test
  void aKeyStoreIsRequired() {
    assertThatThrownBy(() -> ServerTls.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls key store: required (the server's key and certificate)");
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = dir.resolve("missing.p12");

    assertThatThrownBy(() -> ServerTls.builder().keyStore(missing, PASSWORD).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls key store " + missing + ": not a readable file");
  }

  @Test
  void aFileThatIsNoStoreIsNamed() throws Exception {
    Path text = Files.writeString(dir.resolve("server.p12"), "not a key store");

    assertThatThrownBy(() -> ServerTls.builder().keyStore(text, PASSWORD).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tls key store " + text + ": not a PKCS12 or JKS store");
  }

  @Test
  void aWrongPasswordIsNamedAndNotShown() throws Exception {
    Path store = emptyStore("PKCS12", "server.p12");

    assertThatThrownBy(() -> ServerTls.builder().keyStore(store, "wrong-secret".toCharArray()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls key store " + store + ": wrong password");
  }

  @Test
  void aKeyStoreWithoutAKeyIsRefused() throws Exception {
    Path store = emptyStore("JKS", "server.jks");

    assertThatThrownBy(() -> ServerTls.builder().keyStore(store, PASSWORD).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls key store " + store + ": holds no private key");
  }

  @Test
  void clientAuthIsGivenToZooKeeperByItsOwnNames() {
    assertThat(ClientAuth.WANT.zooKeeperValue()).isEqualTo("want");
    assertThat(ClientAuth.NEED.zooKeeperValue()).isEqualTo("need");
    assertThat(ClientAuth.NONE.zooKeeperValue()).isEqualTo("none");
  }

  private Path emptyStore(String type, String name) throws Exception {
    KeyStore store = KeyStore.getInstance(type);
    store.load(null, null);
    Path path = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(path)) {
      store.store(out, PASSWORD);
    }
    return path;
  }
}
