package dev.roster.testing;

import dev.roster.embedded.LocalEnsemble;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A {@link FaultProxy} in front of each member of a {@link LocalEnsemble}, so that a test can
 * break the network between clients and one server, or all of them, while the servers keep
 * talking to each other. Clients connect to {@link #connectString()}, which names the proxies:
 *
 * <pre>{@code
 * try (LocalEnsemble ensemble = LocalEnsemble.builder().start();
 *     ProxiedEnsemble proxied = ProxiedEnsemble.start(ensemble)) {
 *   Roster roster = Roster.builder().connectString(proxied.connectString()).build();
 *   proxied.proxy(ensemble.leader()).cut();   // clients lose the leader; the quorum does not
 *   proxied.proxies().forEach(FaultProxy::blackhole);   // the client is cut from every server
 * }
 * }</pre>
 *
 * <p>Only client traffic goes through the proxies; the members' quorum and election traffic does
 * not. {@link #close()} closes the proxies, not the ensemble: the caller closes what the caller
 * started.
 *
 * <p>All methods are thread-safe.
 */
public final class ProxiedEnsemble implements AutoCloseable {
  private final LocalEnsemble ensemble;
  private final List<FaultProxy> proxies;

  private ProxiedEnsemble(LocalEnsemble ensemble, List<FaultProxy> proxies) {
    this.ensemble = ensemble;
    this.proxies = proxies;
  }

  /**
   * Starts one proxy per member, each on a free port of 127.0.0.1 and in {@link
   * FaultProxy.Mode#PASS}, and in member order.
   *
   * @param ensemble a started ensemble; its members need not all be running
   * @return the proxies; close them when done
   * @throws java.io.UncheckedIOException if a proxy cannot listen (those started are closed)
   */
  public static ProxiedEnsemble start(LocalEnsemble ensemble) {
    Objects.requireNonNull(ensemble, "ensemble");
    List<FaultProxy> proxies = new ArrayList<>();
    try {
      for (LocalEnsemble.Member member : ensemble.members()) {
        proxies.add(FaultProxy.start(member.connectString()));
      }
    } catch (RuntimeException e) {
      proxies.forEach(FaultProxy::close);
      throw e;
    }
    return new ProxiedEnsemble(ensemble, List.copyOf(proxies));
  }

  /**
   * Returns the connect string of all the proxies, {@code "127.0.0.1:P1,127.0.0.1:P2,..."}, in
   * member order: what clients should be given instead of the ensemble's.
   *
   * @return the connect string
   */
  public String connectString() {
    return proxies.stream().map(FaultProxy::connectString).collect(Collectors.joining(","));
  }

  /**
   * Returns the proxy in front of one member.
   *
   * @param index the member's index in the ensemble, 0 to {@code size - 1}
   * @return the proxy
   * @throws IndexOutOfBoundsException if there is no such member
   */
  public FaultProxy proxy(int index) {
    return proxies.get(index);
  }

  /**
   * Returns the proxy in front of a member, such as {@code proxy(ensemble.leader())}.
   *
   * @param member a member of this ensemble
   * @return the proxy
   * @throws IllegalArgumentException if the member belongs to another ensemble
   */
  public FaultProxy proxy(LocalEnsemble.Member member) {
    Objects.requireNonNull(member, "member");
    int index = member.id() - 1;
    if (index < 0 || index >= proxies.size() || ensemble.member(index) != member) {
      throw new IllegalArgumentException(member + ": not a member of " + ensemble);
    }
    return proxies.get(index);
  }

  /**
   * Returns every proxy, in member order.
   *
   * @return an immutable list
   */
  public List<FaultProxy> proxies() {
    return proxies;
  }

  /**
   * Returns the ensemble behind the proxies.
   *
   * @return the ensemble
   */
  public LocalEnsemble ensemble() {
    return ensemble;
  }

  /** Ends every fault: every proxy passes traffic again. */
  public void healAll() {
    proxies.forEach(FaultProxy::heal);
  }

  /**
   * Closes every proxy, resetting the connections through them; the ensemble keeps running.
   * Calling it again does nothing.
   */
  @Override
  public void close() {
    proxies.forEach(FaultProxy::close);
  }

  @Override
  public String toString() {
    return "ProxiedEnsemble{" + connectString() + " -> " + ensemble.connectString() + "}";
  }
}
