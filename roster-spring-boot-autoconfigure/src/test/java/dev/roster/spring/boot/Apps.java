package dev.roster.spring.boot;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/** Small Spring Boot applications for the tests, each on 127.0.0.1 and a port picked at run time. */
final class Apps {
  private Apps() {}

  /** Counted down when a {@code /slow} request has arrived. */
  static volatile CountDownLatch SLOW_ENTERED = new CountDownLatch(1);
  /** Opened by the test to let {@code /slow} requests answer. */
  static volatile CountDownLatch SLOW_GATE = new CountDownLatch(1);

  /** A service that answers {@code /hello} with its name and instance, and calls others by name. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @RestController
  static class Service {
    @Value("${spring.application.name:application}")
    String name;

    @Value("${app.instance:one}")
    String instance;

    @GetMapping("/hello")
    String hello() {
      return "hello from " + name + " " + instance;
    }

    /** Answers once the test opens {@link Apps#SLOW_GATE}: a request the test holds in flight. */
    @GetMapping("/slow")
    String slow() throws InterruptedException {
      SLOW_ENTERED.countDown();
      if (!SLOW_GATE.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never opened the gate");
      }
      return "slow from " + name + " " + instance;
    }

    @Bean
    @LoadBalanced
    RestClient.Builder loadBalancedRestClientBuilder() {
      return RestClient.builder();
    }
  }

  /**
   * Starts {@link Service} on Roster's starter. Spring Cloud Zookeeper is on the test classpath
   * too (for the mixed fleet), so its auto-configuration is switched off here.
   */
  static ConfigurableApplicationContext start(String... properties) {
    List<String> all = new ArrayList<>(List.of("spring.cloud.zookeeper.enabled=false",
        "spring.cloud.zookeeper.discovery.enabled=false"));
    all.addAll(List.of(properties));
    return run(all.toArray(String[]::new));
  }

  /** Starts {@link Service} on Spring Cloud Zookeeper Discovery, with Roster's starter off. */
  static ConfigurableApplicationContext startOnSpringCloudZookeeper(String... properties) {
    List<String> all = new ArrayList<>(List.of("roster.enabled=false"));
    all.addAll(List.of(properties));
    return run(all.toArray(String[]::new));
  }

  /** Starts {@link Service} as a web application with these properties (and loopback-only defaults). */
  private static ConfigurableApplicationContext run(String... properties) {
    List<String> all = new ArrayList<>(List.of(
        "server.port=0",
        "server.address=127.0.0.1",
        "roster.registration.address=127.0.0.1",
        "spring.cloud.zookeeper.discovery.instance-host=127.0.0.1",
        "spring.cloud.inetutils.preferred-networks=127.0.0.1",
        "spring.main.banner-mode=off",
        "logging.level.root=WARN",
        "logging.level.dev.roster=INFO"));
    all.addAll(List.of(properties));
    return new SpringApplicationBuilder(Service.class).properties(all.toArray(String[]::new)).run();
  }

  static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  /** GETs {@code http://service/path} through the context's {@code @LoadBalanced} builder. */
  static String call(ConfigurableApplicationContext context, String service, String path) {
    RestClient.Builder builder = context.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class);
    return builder.build().get().uri("http://" + service + path).retrieve().body(String.class);
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A plain GET of the context's own server; status and body. */
  static HttpResponse<String> get(ConfigurableApplicationContext context, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(context) + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
