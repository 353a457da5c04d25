package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roster.cli.InProcessCli.Result;
import dev.roster.security.Authentication;
import dev.roster.testing.ZooKeeperExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security side of the client commands, in-process against a real ZooKeeper: {@code
 * --auth} with the password from a file (never the command line), {@code roster whoami}, and
 * {@code roster service create}/{@code acl}, which give a service an owner before anyone else
 * can take its name.
 */
class SecurityCommandsIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger BASE_PATHS = new AtomicInteger();

  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.withTickTime(Duration.ofMillis(200));

  @TempDir Path dir;

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final String basePath = "/security-cli-" + BASE_PATHS.incrementAndGet();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  @Test
  void whoamiPrintsTheDigestIdTheServerGives() throws Exception {
    Path password = secret("payments.pw", "s3cret-payments\n");
    Result result = InProcessCli.run("whoami", "--zk", zk.connectString(), "--auth", "digest:payments",
        "--password-file", password.toString());
    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.out).contains(Authentication.digestAclId("payments", "s3cret-payments".toCharArray()));
    assertThat(result.out + result.err).doesNotContain("s3cret-payments");
  }

  @Test
  void aDigestIdentityWithoutAPasswordSourceIsBadInputNamingWhereToPutIt() {
    Result result = InProcessCli.run("ls", "--zk", zk.connectString(), "--auth", "digest:payments");
    assertThat(result.exitCode).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err).contains("--password-file").contains("ROSTER_PASSWORD").contains("never on the command line");
  }

  @Test
  void thereIsNoOptionThatTakesAPasswordOnTheCommandLine() {
    Result result = InProcessCli.run("ls", "--zk", zk.connectString(), "--auth", "digest:payments", "--password", "x");
    assertThat(result.exitCode).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err).contains("Unknown option: '--password'");
  }

  @Test
  void serviceCreateGivesTheServiceItsOwnerAndOnlyTheOwnerCanAddInstances() throws Exception {
    Path ops = secret("ops.pw", "ops-password");
    String paymentsId = Authentication.digestAclId("payments", "pay".toCharArray());
    Result created = InProcessCli.run("service", "create", "payments", "--owner", paymentsId, "--zk", zk.connectString(),
        "--base-path", basePath, "--auth", "digest:ops", "--password-file", ops.toString());
    assertThat(created.exitCode).as(created.toString()).isZero();
    assertThat(created.out).contains("created " + basePath + "/payments, persistent");

    // ZooKeeper shows a digest id's hash only to those with admin on the node (others see
    // "payments:x"), so the owner reads it.
    ZooKeeper owner = connect();
    owner.addAuthInfo("digest", "payments:pay".getBytes(StandardCharsets.UTF_8));
    Stat stat = new Stat();
    List<ACL> acl = owner.getACL(basePath + "/payments", stat);
    assertThat(acl).containsExactlyInAnyOrder(
        new ACL(ZooDefs.Perms.ALL, new Id("digest", paymentsId.substring("digest:".length()))),
        new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    assertThat(stat.getEphemeralOwner()).isZero();

    ZooKeeper mallory = connect();
    mallory.addAuthInfo("digest", "mallory:evil".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> mallory.create(basePath + "/payments/fake", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.EPHEMERAL)).isInstanceOf(KeeperException.NoAuthException.class);
    owner.create(basePath + "/payments/p1", new byte[0], ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.EPHEMERAL);

    Result shown = InProcessCli.run("service", "acl", "payments", "--zk", zk.connectString(), "--base-path", basePath,
        "--auth", "digest:payments", "--password-file", secret("payments.pw", "pay").toString());
    assertThat(shown.exitCode).as(shown.toString()).isZero();
    assertThat(shown.out).contains(basePath + "/payments  [" + paymentsId + "=cdrwa, world:anyone=r]")
        .contains("p1  [" + paymentsId + "=cdrwa]");
  }

  @Test
  void serviceCreateReplacesAnEmptySquattedNodeButNeedsTheRightToDoSo() throws Exception {
    ZooKeeper squatter = connect();
    squatter.addAuthInfo("digest", "mallory:evil".getBytes(StandardCharsets.UTF_8));
    squatter.create(basePath, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    squatter.create(basePath + "/payments", new byte[0],
        new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS), new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE))),
        CreateMode.CONTAINER);
    String paymentsId = Authentication.digestAclId("payments", "pay".toCharArray());

    // Deleting the squatter's empty node takes delete on the base path, which is open here.
    Result replaced = InProcessCli.run("service", "create", "payments", "--owner", paymentsId, "--zk", zk.connectString(),
        "--base-path", basePath, "--auth", "digest:ops", "--password-file", secret("ops.pw", "ops").toString());
    assertThat(replaced.exitCode).as(replaced.toString()).isZero();
    assertThat(replaced.out).contains("replaced " + basePath + "/payments").contains("mallory");
    ZooKeeper owner = connect();
    owner.addAuthInfo("digest", "payments:pay".getBytes(StandardCharsets.UTF_8));
    assertThat(owner.getACL(basePath + "/payments", new Stat()))
        .contains(new ACL(ZooDefs.Perms.ALL, new Id("digest", paymentsId.substring("digest:".length()))));

    // With instances under it, the ACL itself must change, and that takes admin on the node.
    squatter.delete(basePath + "/payments", -1);
    squatter.create(basePath + "/payments", new byte[0],
        new ArrayList<>(List.of(new ACL(ZooDefs.Perms.ALL, ZooDefs.Ids.AUTH_IDS))), CreateMode.PERSISTENT);
    squatter.create(basePath + "/payments/fake", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
    Result refused = InProcessCli.run("service", "create", "payments", "--owner", paymentsId, "--zk", zk.connectString(),
        "--base-path", basePath, "--auth", "digest:ops", "--password-file", secret("ops2.pw", "ops").toString());
    assertThat(refused.exitCode).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.err).contains("ZooKeeper refused").contains("digest:ops").contains("roster service acl payments");
  }

  @Test
  void badIdsAndOptionsAreBadInputBeforeAnythingIsSent() {
    Result noScheme = InProcessCli.run("service", "create", "payments", "--owner", "payments", "--zk", "127.0.0.1:1");
    assertThat(noScheme.exitCode).as(noScheme.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(noScheme.err).contains("--owner 'payments'").contains("scheme:id");
    Result badAcl = InProcessCli.run("ls", "--zk", "127.0.0.1:1", "--acl", "everyone");
    assertThat(badAcl.exitCode).as(badAcl.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(badAcl.err).contains("--acl 'everyone'");
    Result keyWithoutTrust = InProcessCli.run("ls", "--zk", "127.0.0.1:1", "--tls-key", "client.p12");
    assertThat(keyWithoutTrust.exitCode).as(keyWithoutTrust.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(keyWithoutTrust.err).contains("--tls-key").contains("--tls-trust");
    Result missingStore = InProcessCli.run("ls", "--zk", "127.0.0.1:1", "--tls-trust", dir.resolve("nope.p12").toString());
    assertThat(missingStore.exitCode).as(missingStore.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(missingStore.err).contains("nope.p12").contains("not a readable file");
  }

  private Path secret(String name, String value) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, value);
    return file;
  }

  private ZooKeeper connect() throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper client = new ZooKeeper(zk.connectString(), 10_000, event -> {
      if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    });
    cleanup.add(client::close);
    assertThat(connected.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    return client;
  }
}
