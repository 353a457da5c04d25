package dev.roster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one registration decision, without ZooKeeper: every row of its table. */
class NodeActionTest {
  private static final long NOW = 0x200L;
  private static final long EARLIER = 0x100L;
  private static final long STRANGER = 0x999L;
  private static final Set<Long> OURS = Set.of(EARLIER, NOW);
  private static final byte[] WANTED = "wanted".getBytes(StandardCharsets.UTF_8);

  @Test
  void noNodeIsCreated() {
    assertThat(NodeAction.decide(null, 0, NOW, OURS, WANTED)).isEqualTo(NodeAction.CREATE);
    // The owner is meaningless without a node.
    assertThat(NodeAction.decide(null, STRANGER, NOW, OURS, WANTED)).isEqualTo(NodeAction.CREATE);
  }

  @Test
  void ourNodeOnThisSessionWithTheWantedDataIsKept() {
    assertThat(NodeAction.decide(WANTED.clone(), NOW, NOW, OURS, WANTED)).isEqualTo(NodeAction.KEEP);
  }

  @Test
  void ourNodeOnThisSessionWithOtherDataGetsTheData() {
    assertThat(NodeAction.decide("old".getBytes(StandardCharsets.UTF_8), NOW, NOW, OURS, WANTED))
        .isEqualTo(NodeAction.SET_DATA);
    assertThat(NodeAction.decide(new byte[0], NOW, NOW, OURS, WANTED)).isEqualTo(NodeAction.SET_DATA);
  }

  @Test
  void aNodeOfOurEarlierSessionIsReplacedWhateverItHolds() {
    assertThat(NodeAction.decide(WANTED.clone(), EARLIER, NOW, OURS, WANTED)).isEqualTo(NodeAction.REPLACE);
    assertThat(NodeAction.decide(new byte[0], EARLIER, NOW, OURS, WANTED)).isEqualTo(NodeAction.REPLACE);
  }

  @Test
  void anotherSessionsNodeIsAConflictEvenWithOurData() {
    assertThat(NodeAction.decide(WANTED.clone(), STRANGER, NOW, OURS, WANTED)).isEqualTo(NodeAction.CONFLICT);
  }

  @Test
  void aPersistentNodeIsAConflictNeverOurs() {
    // Owner 0 is "no owner": even a set of sessions that (wrongly) held 0 must not make it ours.
    assertThat(NodeAction.decide(WANTED.clone(), 0, NOW, Set.of(0L, NOW), WANTED)).isEqualTo(NodeAction.CONFLICT);
    assertThat(NodeAction.decide(WANTED.clone(), 0, 0, Set.of(0L), WANTED)).isEqualTo(NodeAction.CONFLICT);
  }

  @Test
  void theCurrentSessionCountsAsOursBeforeItIsRecorded() {
    assertThat(NodeAction.decide(WANTED.clone(), NOW, NOW, Set.of(), WANTED)).isEqualTo(NodeAction.KEEP);
  }
}
