package dev.roster.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.roster.security.Authentication;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.zookeeper.data.ClientInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code roster whoami}: the identities ZooKeeper gives this command's session, each as the
 * ACL id an operator names as a service's owner or reader. The server says which schemes the
 * session authenticated with (ZooKeeper's {@code whoAmI}), and the id for x509 (the
 * certificate's subject) and SASL (the principal after the server's name rules); for digest
 * it names only the user, so the id, {@code digest:user:<hash>}, is computed here from the
 * same credentials, as the server computes it.
 */
@Command(
    name = "whoami",
    description = {
        "Show the identities ZooKeeper gives a session with these credentials, as ACL ids (scheme:id).",
        "",
        "Use them with `roster service create --owner ID` and `--acl-reader ID`. The ip scheme, which every "
            + "session has, is shown too but is not an identity to own a service by."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  ROSTER_PASSWORD=... roster whoami --auth digest:payments",
        "  roster whoami --auth digest:payments --password-file /run/secrets/payments",
        "  roster whoami --tls-trust ca.p12 --tls-key payments.p12 --zk zk1:2281"
    })
final class WhoAmICommand extends BaseCommand implements Callable<Integer> {
  @Mixin ZooKeeperOptions zk;

  @Option(names = "--json", description = "Print a JSON array of {scheme, id}.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (DirectZooKeeper direct = DirectZooKeeper.connect(zk)) {
      List<ClientInfo> infos = direct.client().whoAmI();
      Authentication auth = zk.security.authentication();
      String digestId = auth != null ? auth.aclId() : null;
      if (json) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        infos.forEach(i -> array.addObject().put("scheme", i.getAuthScheme()).put("id", id(i, digestId)));
        out.println(array);
      } else {
        for (ClientInfo info : infos) {
          out.println(id(info, digestId)
              + (info.getAuthScheme().equals("ip") ? "    (the address connected from; not an owner)" : ""));
        }
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  private static String id(ClientInfo info, String digestId) {
    return info.getAuthScheme().equals("digest") && digestId != null ? digestId : info.getAuthScheme() + ":" + info.getUser();
  }
}
