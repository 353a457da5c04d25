package dev.roster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Reading what a server answers to {@code srvr}. A server that answers with the whitelist
 * refusal or as not serving is hard to stand up in a test (the whitelist is read once per JVM),
 * so those answers are read here as ZooKeeper 3.9 words them; {@code CommandsIT} reads a real
 * server's answer.
 */
class FourLetterWordsTest {

  @Test
  void readsTheModeAndFieldsOfAnAnswer() {
    FourLetterWords.Member member = FourLetterWords.parse("zk1:2181", """
        Zookeeper version: 3.9.5-5a2b, built on 2025-01-01 00:00 UTC
        Latency min/avg/max: 0/0.4/12
        Received: 120
        Sent: 119
        Connections: 3
        Outstanding: 0
        Zxid: 0x100000007
        Mode: leader
        Node count: 12
        Proposal sizes last/min/max: 48/32/96
        """);
    assertThat(member.mode()).isEqualTo("leader");
    assertThat(member.problem()).isNull();
    assertThat(member.field("zxid")).isEqualTo("0x100000007");
    assertThat(member.field("connections")).isEqualTo("3");
  }

  @Test
  void saysWhenSrvrIsNotWhitelistedOrTheServerIsNotServing() {
    FourLetterWords.Member refused = FourLetterWords.parse("zk1:2181",
        "srvr is not executed because it is not in the whitelist.\n");
    assertThat(refused.mode()).isNull();
    assertThat(refused.modeOrProblem()).isEqualTo("unknown (srvr is not in its 4lw.commands.whitelist)");

    FourLetterWords.Member notServing = FourLetterWords.parse("zk1:2181",
        "This ZooKeeper instance is not currently serving requests\n");
    assertThat(notServing.modeOrProblem()).isEqualTo("not serving (no quorum, or still starting)");

    assertThat(FourLetterWords.parse("zk1:2181", "").modeOrProblem())
        .isEqualTo("unknown (no answer to srvr; four-letter words may be disabled)");
  }

  @Test
  void listsTheServersOfAConnectString() {
    assertThat(FourLetterWords.servers("zk1:2181, zk2:2182,zk3/chroot/path"))
        .containsExactly("zk1:2181", "zk2:2182", "zk3:2181");
    assertThat(FourLetterWords.servers("[::1]:2181,[::1],::1")).containsExactly("[::1]:2181", "[::1]:2181", "[::1]:2181");
  }
}
