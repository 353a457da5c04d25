package dev.roster.embedded;

import java.util.List;

/**
 * The three ports of one ensemble member: for clients, for followers (the leader listens on it),
 * for elections.
 */
record Ports(int client, int quorum, int election) {
  List<Integer> all() {
    return List.of(client, quorum, election);
  }
}
