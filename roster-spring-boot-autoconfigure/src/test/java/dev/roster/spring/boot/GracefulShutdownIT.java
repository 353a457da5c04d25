package dev.roster.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roster.Roster;
import dev.roster.ServiceInstance;
import dev.roster.ServiceView;
import dev.roster.testing.ZooKeeperExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Shutdown in Spring's lifecycle order, seen from outside: the instance turns DRAINING while
 * the web server still serves new requests, it is deregistered while a request is still in
 * flight, and that request then completes before the context is closed. Spring Boot's own
 * {@code server.shutdown} is left at its default, graceful.
 */
class GracefulShutdownIT {
  @RegisterExtension
  static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  @Test
  void drainsThenDeregistersWhileARequestInFlightStillCompletes() throws Exception {
    Apps.SLOW_ENTERED = new CountDownLatch(1);
    Apps.SLOW_GATE = new CountDownLatch(1);
    try (Roster observer = Roster.builder().connectString(zk.connectString()).build();
         ServiceView view = observer.watch("payments")) {
      ConfigurableApplicationContext app = Apps.start("spring.application.name=payments",
          "roster.connect-string=" + zk.connectString(), "roster.session-timeout=2s",
          "roster.registration.drain-grace=1s");
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);

        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> Apps.get(app, "/slow"));
        assertThat(Apps.SLOW_ENTERED.await(10, TimeUnit.SECONDS)).as("the /slow request arrived").isTrue();

        CompletableFuture<Void> closed = CompletableFuture.runAsync(app::close);
        // Draining: still registered, as DRAINING, and still serving whoever has not yet seen it.
        await().atMost(Duration.ofSeconds(10)).until(() -> !view.instances().isEmpty()
            && view.instances().get(0).status() == ServiceInstance.Status.DRAINING);
        HttpResponse<String> during = Apps.get(app, "/hello");
        assertThat(during.statusCode()).isEqualTo(200);
        assertThat(during.body()).isEqualTo("hello from payments one");

        // The grace over, the node goes while the held request is still being served.
        await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().isEmpty());
        assertThat(inFlight).isNotDone();
        assertThat(closed).as("the context waits for the request in flight").isNotDone();

        Apps.SLOW_GATE.countDown();
        HttpResponse<String> answer = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("slow from payments one");
        closed.get(20, TimeUnit.SECONDS);
        assertThat(app.isActive()).isFalse();
      } finally {
        Apps.SLOW_GATE.countDown();
        app.close();
      }
    }
  }
}
