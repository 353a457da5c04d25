package dev.roster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BytesTest {

  @Test
  void equalByContentAndImmutable() {
    byte[] data = {1, 2, 3};
    Bytes a = Bytes.of(data);
    data[0] = 9; // the caller's array is copied in...
    assertThat(a).isEqualTo(Bytes.of(new byte[] {1, 2, 3})).hasSameHashCodeAs(Bytes.of(new byte[] {1, 2, 3}));
    a.toByteArray()[1] = 9; // ...and out
    assertThat(a.toByteArray()).containsExactly(1, 2, 3);
    assertThat(a.size()).isEqualTo(3);
    assertThat(Bytes.of(new byte[0])).isSameAs(Bytes.EMPTY);
    assertThat(Bytes.EMPTY.isEmpty()).isTrue();
  }

  @Test
  void textAndToString() {
    assertThat(Bytes.ofUtf8("127.0.0.1:9001").toUtf8()).isEqualTo("127.0.0.1:9001");
    assertThat(Bytes.ofUtf8("127.0.0.1:9001")).hasToString("Bytes[14: '127.0.0.1:9001']");
    assertThat(Bytes.of(new byte[] {(byte) 0xca, (byte) 0xfe})).hasToString("Bytes[2: 0xcafe]");
    assertThat(Bytes.ofUtf8("x".repeat(100)).toString()).endsWith("...']").hasSize(12 + 64 + 5);
    assertThat(Bytes.ofUtf8("héllo").isUtf8()).isTrue();
    assertThat(Bytes.of(new byte[] {(byte) 0xff}).isUtf8()).isFalse();
  }

  @Test
  void instancesWithEqualPayloadsAreEqual() {
    ServiceInstance a = ServiceInstance.builder("s").id("i").address("h").port(1).payload(new byte[] {7})
        .registeredAt(java.time.Instant.EPOCH).build();
    ServiceInstance b = a.toBuilder().payload(Bytes.of(new byte[] {7})).build();
    assertThat(a).isEqualTo(b);
    assertThat(a.toBuilder().payload(new byte[] {8}).build()).isNotEqualTo(a);
  }
}
