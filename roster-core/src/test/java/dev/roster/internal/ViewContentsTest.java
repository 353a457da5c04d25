package dev.roster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A view's contents changed one instance at a time are what a full rebuild makes of the same list. */
class ViewContentsTest {
  private static final Comparator<ServiceInstance> BY_ID = Comparator.comparing(ServiceInstance::id);

  private static ServiceInstance instance(String id, boolean up) {
    return ServiceInstance.builder("svc").id(id).address("10.0.0.1").port(8080)
        .status(up ? ServiceInstance.Status.UP : ServiceInstance.Status.DRAINING).build();
  }

  @Test
  void randomAddsRemovalsAndUpdatesMatchARebuild() {
    Random random = new Random(42);
    List<ServiceInstance> held = new ArrayList<>();
    ViewContents contents = ViewContents.EMPTY;
    for (int step = 0; step < 2_000; step++) {
      ServiceInstance old = held.isEmpty() || random.nextInt(3) == 0 ? null : held.get(random.nextInt(held.size()));
      ServiceInstance next = random.nextInt(4) == 0 ? null
          : instance(old != null && random.nextBoolean() ? old.id() : "i-" + random.nextInt(300), random.nextBoolean());
      if (next != null && old == null && held.stream().anyMatch(i -> i.id().equals(next.id()))) {
        continue; // one node per id, as under one service node
      }
      if (old != null && next != null && !old.id().equals(next.id())
          && held.stream().anyMatch(i -> i.id().equals(next.id()))) {
        continue;
      }
      contents = contents.replace(old, next, BY_ID);
      if (old != null) {
        held.remove(old);
      }
      if (next != null) {
        held.add(next);
      }
      List<ServiceInstance> sorted = new ArrayList<>(held);
      sorted.sort(BY_ID);
      assertThat(contents).isEqualTo(ViewContents.of(sorted));
    }
  }

  @Test
  void anInstanceThatIsNotHereAsksForARebuild() {
    ViewContents contents = ViewContents.of(List.of(instance("a", true)));
    assertThat(contents.replace(instance("a", true), null, BY_ID)).isNull(); // equal, but not the one held
    assertThat(contents.replace(null, null, BY_ID)).isSameAs(contents);
  }
}
