package dev.roster.agent.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.roster.agent.Agent;
import dev.roster.testing.FaultProxy;
import dev.roster.testing.ZooKeeperExtension;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser (Debian's headless Chromium, driven by Selenium) against a
 * running agent on a real ZooKeeper, reached through a {@link FaultProxy} so the test can take
 * ZooKeeper away from the agent.
 *
 * <p>The browser is required, not optional: a machine without it fails here with a message
 * saying what to install, because a skipped browser test would pass CI while proving nothing.
 * Selenium is given both paths, so Selenium Manager never looks for (or downloads) a browser.
 *
 * <p>The tests share one agent and one browser, and pass in either order; the small services
 * go first only so that the first screenshots show them alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** The banner's background in app.css; sampled from the screenshot. */
  private static final int BANNER_RGB = 0xB42318;

  /** What the issue asks of a change made through the API: on the page within 2 s. */
  private static final Duration LIVE = Duration.ofSeconds(2);

  private static final Path SCREENSHOTS =
      Path.of(System.getProperty("basedir", "."), "target", "dashboard-screenshots");

  @RegisterExtension static final ZooKeeperExtension zk = ZooKeeperExtension.create();

  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static FaultProxy proxy;
  private static Agent agent;
  private static ChromeDriver browser;
  private static Path profile;

  @BeforeAll
  static void start() throws IOException {
    requireBrowser();
    proxy = FaultProxy.start(zk.connectString());
    agent = Agent.builder().connectString(proxy.connectString()).port(0).start();
    profile = Files.createTempDirectory("roster-dashboard-chromium-");
    browser = startBrowser(profile);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (agent != null) {
      agent.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (profile != null) {
      deleteTree(profile);
    }
  }

  @Test
  @Order(1)
  void showsTheRegistryLiveAndSaysWhenItIsStale() throws Exception {
    assertThat(register("payments", "payments-1", "10.0.0.1", "eu-west-1a", "UP")).isBetween(200, 299);
    assertThat(register("orders", "orders-1", "10.0.1.1", "eu-west-1b", "UP")).isBetween(200, 299);

    browser.get(agent.uri().toString());

    // The service list is polled every 2 s, and the first services open their tables.
    await("payments in the service list")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !browser.findElements(serviceCard("payments")).isEmpty());
    await("payments-1 in its table")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !browser.findElements(row("payments", "payments-1")).isEmpty());
    await("payments counted").atMost(LIVE).until(() -> text(serviceCard("payments"), ".service-count"), "1"::equals);

    // Registered through the API: on the page without a reload, through the event stream.
    assertThat(register("payments", "payments-2", "10.0.0.2", "eu-west-1b", "UP")).isBetween(200, 299);
    await("payments-2 appears").atMost(LIVE).until(() -> !browser.findElements(row("payments", "payments-2")).isEmpty());
    WebElement added = browser.findElement(row("payments", "payments-2"));
    assertThat(added.findElement(By.cssSelector(".c-addr")).getText()).contains("10.0.0.2:");
    assertThat(added.findElement(By.cssSelector(".c-zone")).getText()).isEqualTo("eu-west-1b");
    assertThat(added.findElement(By.cssSelector(".c-status")).getText()).isEqualTo("UP");

    // Updated in place: the row's status cell changes, the timeline says from what to what.
    assertThat(register("payments", "payments-2", "10.0.0.2", "eu-west-1b", "DRAINING")).isBetween(200, 299);
    await("payments-2 drains")
        .atMost(LIVE)
        .until(() -> browser.findElement(row("payments", "payments-2")).findElement(By.cssSelector(".c-status")).getText(),
            status -> status.equals("DRAINING"));
    await("the timeline shows the update")
        .atMost(LIVE)
        .until(() -> !browser.findElements(timelineEntry("updated", "payments-2")).isEmpty());
    assertThat(browser.findElement(timelineEntry("updated", "payments-2")).getText())
        .contains("status:", "UP", "DRAINING");

    // Deregistered: gone as quickly.
    assertThat(deregister("payments", "payments-1")).isBetween(200, 299);
    await("payments-1 goes").atMost(LIVE).until(() -> browser.findElements(row("payments", "payments-1")).isEmpty());

    // The timeline keeps both, with what was added and what was removed.
    await("the timeline shows both changes")
        .atMost(LIVE)
        .until(() -> !browser.findElements(timelineEntry("added", "payments-2")).isEmpty()
            && !browser.findElements(timelineEntry("removed", "payments-1")).isEmpty());
    assertThat(browser.findElement(timelineEntry("added", "payments-2")).getText()).contains("10.0.0.2");
    assertThat(browser.findElement(timelineEntry("removed", "payments-1")).getText()).contains("10.0.0.1");
    assertThat(browser.findElement(By.id("banner")).isDisplayed()).isFalse();

    // The filter keeps what matches an instance's or a service's name.
    browser.findElement(By.id("filter")).sendKeys("payments-2");
    await("the filter hides orders")
        .atMost(LIVE)
        .until(() -> !browser.findElement(serviceCard("orders")).isDisplayed()
            && !browser.findElement(By.cssSelector("section.panel[data-service='orders']")).isDisplayed());
    assertThat(browser.findElement(row("payments", "payments-2")).isDisplayed()).isTrue();
    browser.findElement(By.id("filter")).sendKeys(Keys.ESCAPE);
    await("the filter cleared").atMost(LIVE).until(() -> browser.findElement(serviceCard("orders")).isDisplayed());
    ((JavascriptExecutor) browser).executeScript("document.activeElement.blur()");

    Path live = screenshot("dashboard-live.png");
    assertPlausible(live);

    // ZooKeeper goes away: the banner says the agent is disconnected and the view stale.
    proxy.cut();
    await("the stale banner")
        .atMost(Duration.ofSeconds(30))
        .until(() -> browser.findElement(By.id("banner-stale")).isDisplayed());
    assertThat(browser.findElement(By.id("banner")).getText()).containsIgnoringCase("stale").contains("payments");
    // /health answers 503 by now or at its next poll: the banner says that too.
    await("the disconnected banner")
        .atMost(Duration.ofSeconds(10))
        .until(() -> browser.findElement(By.id("banner-disconnected")).isDisplayed());
    assertThat(browser.findElement(By.id("connection")).getDomAttribute("data-state")).isEqualTo("disconnected");

    Path stale = screenshot("dashboard-stale.png");
    BufferedImage image = assertPlausible(stale);
    Rectangle banner = browser.findElement(By.id("banner")).getRect();
    double scale = ((Number) ((JavascriptExecutor) browser).executeScript("return window.devicePixelRatio")).doubleValue();
    // A corner inside the padding: background, never text.
    int x = (int) Math.round((banner.getX() + 6) * scale);
    int y = (int) Math.round((banner.getY() + 4) * scale);
    assertThat(image.getRGB(x, y) & 0xFFFFFF)
        .as("pixel (%d, %d) of %s, inside the banner %s", x, y, stale, banner)
        .isEqualTo(BANNER_RGB);
    int below = (int) Math.round((banner.getY() + banner.getHeight() + 8) * scale);
    assertThat(image.getRGB(x, below) & 0xFFFFFF).as("pixel (%d, %d) of %s, below the banner", x, below, stale)
        .isNotEqualTo(BANNER_RGB);
    assertThat(ImageIO.read(live.toFile()).getRGB(x, y) & 0xFFFFFF).as("the same pixel of %s, before", live)
        .isNotEqualTo(BANNER_RGB);

    // ZooKeeper is back: the banner goes, and the page still follows changes.
    proxy.heal();
    await("the banner goes")
        .atMost(Duration.ofSeconds(60))
        .until(() -> !browser.findElement(By.id("banner")).isDisplayed());
    assertThat(register("payments", "payments-3", "10.0.0.3", "eu-west-1a", "UP")).isBetween(200, 299);
    await("payments-3 appears").atMost(LIVE).until(() -> !browser.findElements(row("payments", "payments-3")).isEmpty());
    assertPlausible(screenshot("dashboard-recovered.png"));
  }

  @Test
  @Order(2)
  void followsAThousandInstancesOfOneService() throws Exception {
    proxy.heal(); // whatever the other test left
    await("the agent connected").atMost(Duration.ofSeconds(30)).until(() -> status("/health") == 200);
    int fleet = 1_000;
    List<CompletableFuture<Integer>> puts = new ArrayList<>();
    for (int i = 0; i < fleet; i++) {
      puts.add(registerAsync("fleet", "fleet-%04d".formatted(i), "10.1.%d.%d".formatted(i / 250, i % 250)));
      if (puts.size() == 50) {
        for (CompletableFuture<Integer> put : puts) {
          assertThat(put.get(30, TimeUnit.SECONDS)).isBetween(200, 299);
        }
        puts.clear();
      }
    }
    for (CompletableFuture<Integer> put : puts) {
      assertThat(put.get(30, TimeUnit.SECONDS)).isBetween(200, 299);
    }

    browser.get("about:blank");
    browser.get(agent.uri().resolve("/#open=fleet").toString());
    await("all " + fleet + " rows")
        .atMost(Duration.ofSeconds(30))
        .until(() -> rowCount("fleet"), count -> count == fleet);

    // Changes to a big table still show within the same 2 s, row by row.
    assertThat(register("fleet", "fleet-0500", "10.1.2.0", "eu-west-1b", "DRAINING")).isBetween(200, 299);
    await("fleet-0500 drains")
        .atMost(LIVE)
        .until(() -> browser.findElement(row("fleet", "fleet-0500")).findElement(By.cssSelector(".c-status")).getText(),
            status -> status.equals("DRAINING"));
    assertThat(deregister("fleet", "fleet-0999")).isBetween(200, 299);
    await("fleet-0999 goes").atMost(LIVE).until(() -> browser.findElements(row("fleet", "fleet-0999")).isEmpty());
    assertThat(register("fleet", "fleet-1000", "10.1.4.0", "eu-west-1a", "UP")).isBetween(200, 299);
    await("fleet-1000 appears").atMost(LIVE).until(() -> !browser.findElements(row("fleet", "fleet-1000")).isEmpty());
    assertThat(rowCount("fleet")).isEqualTo(fleet);
    await("fleet counted")
        .atMost(LIVE)
        .until(() -> text(serviceCard("fleet"), ".service-count"), String.valueOf(fleet)::equals);
    assertPlausible(screenshot("dashboard-1000.png"));
  }

  @Test
  @Order(3)
  void withAReadTokenItAsksForItAndFollowsChangesWithIt() throws Exception {
    String write = "dashboard-write-token-0123456789";
    String read = "dashboard-read-token-9876543210";
    try (Agent locked = Agent.builder().connectString(zk.connectString()).port(0)
        .writeToken(write.toCharArray()).readToken(read.toCharArray()).start()) {
      assertThat(registerOn(locked, write, "vault-1")).isBetween(200, 299);
      // The other tests' services share this ZooKeeper: vault is opened by name, so its event
      // stream is refused first and waits for the token too.
      browser.get(locked.uri().resolve("/#open=vault").toString());
      await("the token form").atMost(Duration.ofSeconds(10)).until(() -> browser.findElement(By.id("token-form")).isDisplayed());
      // /health is open: the page knows the agent is up before it has a token.
      await("connected").atMost(Duration.ofSeconds(10))
          .until(() -> "connected".equals(browser.findElement(By.id("connection")).getDomAttribute("data-state")));

      browser.findElement(By.id("token")).sendKeys("not-the-token-at-all-0000", Keys.ENTER);
      await("a wrong token is refused").atMost(Duration.ofSeconds(10))
          .until(() -> browser.findElement(By.id("token-form")).isDisplayed()
              && browser.findElement(By.id("token-error")).getText().contains("not accepted"));

      browser.findElement(By.id("token")).sendKeys(read, Keys.ENTER);
      await("vault-1 in its table, read with the token")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !browser.findElements(row("vault", "vault-1")).isEmpty());
      assertThat(browser.findElement(By.id("token-form")).isDisplayed()).isFalse();
      // The event stream carries the token too: a change shows without a reload.
      assertThat(registerOn(locked, write, "vault-2")).isBetween(200, 299);
      await("vault-2 appears").atMost(LIVE).until(() -> !browser.findElements(row("vault", "vault-2")).isEmpty());
      // Kept for this tab only, in sessionStorage; never in the page's address.
      assertThat(((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('roster-agent-token')"))
          .isEqualTo(read);
      assertThat(browser.getCurrentUrl()).doesNotContain(read);
      browser.get("about:blank");
    }
  }

  private static int registerOn(Agent target, String token, String id) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(target.uri().resolve("/v1/services/vault/instances/" + id))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .PUT(HttpRequest.BodyPublishers.ofString("{\"address\":\"10.2.0.1\",\"port\":8080}")));
  }

  private static long rowCount(String service) {
    return ((Number) ((JavascriptExecutor) browser).executeScript(
        "return document.querySelectorAll(arguments[0]).length",
        "section.panel[data-service='" + service + "'] tr[data-id]")).longValue();
  }

  private static By serviceCard(String service) {
    return By.cssSelector("#service-list li[data-service='" + service + "']");
  }

  private static By row(String service, String id) {
    return By.cssSelector("section.panel[data-service='" + service + "'] tr[data-id='" + id + "']");
  }

  private static By timelineEntry(String kind, String id) {
    return By.cssSelector("#timeline li[data-kind='" + kind + "'][data-id='" + id + "']");
  }

  private static String text(By parent, String child) {
    return browser.findElement(parent).findElement(By.cssSelector(child)).getText();
  }

  private static int register(String service, String id, String address, String zone, String status)
      throws IOException, InterruptedException {
    String body = """
        {"address":"%s","port":8080,"zone":"%s","weight":1,"status":"%s",\
        "metadata":{"version":"1.4.2","build":"%s-build"}}"""
        .formatted(address, zone, status, id);
    return send(HttpRequest.newBuilder(instance(service, id))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static CompletableFuture<Integer> registerAsync(String service, String id, String address) {
    String body = """
        {"address":"%s","port":8080,"zone":"eu-west-1a","weight":1,"status":"UP",\
        "metadata":{"version":"1.4.2"}}"""
        .formatted(address);
    HttpRequest request = HttpRequest.newBuilder(instance(service, id))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofSeconds(30))
        .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
  }

  private static int status(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(agent.uri().resolve(path)).GET());
  }

  private static int deregister(String service, String id) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(instance(service, id)).DELETE());
  }

  private static URI instance(String service, String id) {
    return agent.uri().resolve("/v1/services/" + service + "/instances/" + id);
  }

  private static int send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static Path screenshot(String name) throws IOException {
    Path file = SCREENSHOTS.resolve(name);
    Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
    return file;
  }

  /** A real page, not a blank or broken one: a PNG of the window's size with some weight. */
  private static BufferedImage assertPlausible(Path png) throws IOException {
    byte[] bytes = Files.readAllBytes(png);
    assertThat(bytes.length).as("size of %s", png).isGreaterThan(20_000);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
    assertThat(image).as("%s decodes as an image", png).isNotNull();
    assertThat(image.getWidth()).as("width of %s", png).isGreaterThanOrEqualTo(1000);
    assertThat(image.getHeight()).as("height of %s", png).isGreaterThanOrEqualTo(700);
    return image;
  }

  private static void requireBrowser() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      fail("The dashboard's browser test needs Debian's Chromium and its driver at %s and %s;"
          + " install them with: apt-get install -y chromium chromium-driver (.ci/run does)",
          CHROMIUM, CHROMEDRIVER);
    }
  }

  private static ChromeDriver startBrowser(Path profile) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(List.of(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1440,1000",
        "--user-data-dir=" + profile));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return driver;
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
