package dev.roster.embedded;

import java.util.Optional;

/**
 * What one member of a {@link LocalEnsemble} is now, as {@link LocalEnsemble.Member#state()}
 * finds by asking it with ZooKeeper's {@code srvr} command. A member that serves is {@link
 * #LEADER} or {@link #FOLLOWER}; the other states say why it does not, or why it was not asked.
 *
 * <p>{@link #word()} is the state as messages and the {@code roster} command print it.
 */
public enum MemberState {
  /** It serves, and leads the ensemble: it orders every write. */
  LEADER("leader"),

  /** It serves, and follows the leader. */
  FOLLOWER("follower"),

  /**
   * It serves reads only, without a quorum: possible only with {@code
   * -Dreadonlymode.enabled=true} among the {@link LocalEnsemble.Builder#jvmOptions(java.util.List)
   * JVM options}.
   */
  READ_ONLY("read-only"),

  /**
   * It answers, but says it is not serving: it has no quorum, takes part in an election, or is
   * still synchronising with the leader.
   */
  NOT_SERVING("not serving"),

  /** Its process runs but did not answer in time (1.5 s), as a paused or overloaded server does. */
  NO_ANSWER("no answer"),

  /** It is frozen by {@link LocalEnsemble.Member#freeze()}, so it was not asked. */
  FROZEN("frozen"),

  /** Its process does not run: never started, killed, stopped or exited. */
  DOWN("down");

  private final String word;

  MemberState(String word) {
    this.word = word;
  }

  /**
   * Returns the state as messages print it: {@code "leader"}, {@code "follower"}, {@code
   * "read-only"}, {@code "not serving"}, {@code "no answer"}, {@code "frozen"} or {@code "down"}.
   *
   * @return the word, lower case
   */
  public String word() {
    return word;
  }

  /**
   * The state of a running member that is not frozen, from its {@code srvr} answer. A mode this
   * enum does not name (ZooKeeper's {@code observer} and {@code standalone}, which this ensemble's
   * configuration rules out) counts as not serving as a member of the ensemble.
   */
  static MemberState ofSrvr(Optional<String> answer) {
    if (answer.isEmpty()) {
      return NO_ANSWER;
    }
    return FourLetterWords.mode(answer.get())
        .map(
            mode ->
                switch (mode) {
                  case "leader" -> LEADER;
                  case "follower" -> FOLLOWER;
                  case "read-only" -> READ_ONLY;
                  default -> NOT_SERVING;
                })
        .orElse(NOT_SERVING);
  }
}
