package dev.roster.embedded;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What each member of an ensemble is at one moment, in member order, and whether that makes a
 * quorum that serves.
 *
 * <p>A member is judged by its answer to {@code srvr} over a plain socket, never with a
 * ZooKeeper client: a client would reconnect, retry and hide what state a member is in. Every
 * exchange is bounded by a timeout, since a frozen member accepts connections (the kernel does)
 * but never answers; frozen members are not asked at all.
 */
final class Observation {
  /** The states a quorum may have: frozen and stopped members are not expected to answer. */
  private static final Set<MemberState> ACCOUNTED_FOR =
      EnumSet.of(MemberState.LEADER, MemberState.FOLLOWER, MemberState.FROZEN, MemberState.DOWN);

  private final Map<EnsembleMember, MemberState> states;

  private Observation(Map<EnsembleMember, MemberState> states) {
    this.states = states;
  }

  /** Asks each member in turn; takes up to 1.5 s for each that does not answer. */
  static Observation of(List<EnsembleMember> members) {
    Map<EnsembleMember, MemberState> states = new LinkedHashMap<>();
    for (EnsembleMember member : members) {
      states.put(member, member.state());
    }
    return new Observation(states);
  }

  /**
   * True if exactly one member leads and every other one follows, or is frozen or down: a
   * member still electing, synchronising or silent without being frozen means no.
   */
  boolean formsQuorum() {
    int leaders = 0;
    for (MemberState state : states.values()) {
      if (!ACCOUNTED_FOR.contains(state)) {
        return false;
      }
      if (state == MemberState.LEADER) {
        leaders++;
      }
    }
    return leaders == 1;
  }

  /** The members in {@code wanted}, in member order. */
  List<LocalEnsemble.Member> withState(MemberState wanted) {
    return states.entrySet().stream()
        .filter(e -> e.getValue() == wanted)
        .<LocalEnsemble.Member>map(Map.Entry::getKey)
        .toList();
  }

  /**
   * The one member that leads.
   *
   * @throws IllegalStateException if none or several do; the message tells what each said
   */
  LocalEnsemble.Member leader() {
    List<LocalEnsemble.Member> leaders = withState(MemberState.LEADER);
    if (leaders.size() == 1) {
      return leaders.get(0);
    }
    throw new IllegalStateException(
        (leaders.isEmpty() ? "no leader now" : leaders.size() + " members say they lead")
            + " ("
            + describe()
            + ")");
  }

  /** For messages: {@code "member 1: leader, member 2: no answer, ..."}. */
  String describe() {
    return states.entrySet().stream()
        .map(e -> "member " + e.getKey().id() + ": " + e.getValue().word())
        .collect(Collectors.joining(", "));
  }

  /** For messages: the end of the log of each member that should serve and does not. */
  String logsOfMembersNotServing() {
    StringBuilder logs = new StringBuilder();
    states.forEach(
        (member, state) -> {
          if (!ACCOUNTED_FOR.contains(state)) {
            logs.append("\n").append(member).append(member.logTail());
          }
        });
    return logs.toString();
  }
}
