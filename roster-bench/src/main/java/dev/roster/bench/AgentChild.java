package dev.roster.bench;

import dev.roster.agent.Agent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An agent in a JVM of its own, so that neither the benchmark's clients nor its ZooKeeper
 * count in the agent's heap, threads or file descriptors, and their GC does not pause it.
 * The child prints {@code READY port} once listening and then answers lines on its stdin:
 * {@code STATS} (heap used after a full GC, live and peak thread counts) and {@code STOP}
 * (close the agent, exit 0); it also stops when its stdin ends, as when the parent dies.
 */
final class AgentChild implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("READY (\\d+)");

  /** The agent JVM's heap after GC and its threads, as the child measured them. */
  record Usage(long heapUsedBytes, int threads, int peakThreads) {}

  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final URI uri;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private AgentChild(Process process, BufferedReader out, Writer in, int port) {
    this.process = process;
    this.out = out;
    this.in = in;
    this.uri = URI.create("http://127.0.0.1:" + port + "/");
  }

  /** Starts an agent child on a free port of 127.0.0.1 against {@code connectString}. */
  static AgentChild start(String connectString, List<String> jvmOptions) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
        System.getProperty("java.class.path"), AgentChild.class.getName(), connectString));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = READY.matcher(line);
      if (m.matches()) {
        return new AgentChild(p, out, in, Integer.parseInt(m.group(1)));
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("the agent child ended before it was ready");
  }

  URI uri() {
    return uri;
  }

  long pid() {
    return process.pid();
  }

  /** Asks the child to collect garbage and report its heap and threads. */
  Usage usage() throws IOException {
    in.write("STATS\n");
    in.flush();
    String line = out.readLine();
    if (line == null || !line.startsWith("STATS ")) {
      throw new IllegalStateException("the agent child answered " + line);
    }
    String[] parts = line.split(" ");
    return new Usage(Long.parseLong(parts[1]), Integer.parseInt(parts[2]), Integer.parseInt(parts[3]));
  }

  /** A gauge's value (summed over its labels) from the agent's {@code /metrics}. */
  double gauge(String name) throws IOException, InterruptedException {
    String text = http.send(HttpRequest.newBuilder(uri.resolve("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
    double sum = 0;
    for (Matcher m = line.matcher(text); m.find(); ) {
      sum += Double.parseDouble(m.group(2));
    }
    return sum;
  }

  /** Stops the agent (it ends its streams and parked queries) and waits for the JVM to exit. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      in.write("STOP\n");
      in.flush();
    } catch (IOException e) {
      // Already gone: make sure below.
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The child's entry point: {@code AgentChild connectString}. */
  public static void main(String[] args) throws Exception {
    PrintStream stdout = System.out;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (Agent agent = Agent.builder().connectString(args[0]).host("127.0.0.1").port(0).start();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      stdout.println("READY " + agent.port());
      stdout.flush();
      for (String line; (line = commands.readLine()) != null && !line.equals("STOP"); ) {
        if (line.equals("STATS")) {
          // Twice: the first full collection may leave finalizable or reference-queued garbage.
          System.gc();
          System.gc();
          stdout.printf(Locale.ROOT, "STATS %d %d %d%n", memory.getHeapMemoryUsage().getUsed(),
              threads.getThreadCount(), threads.getPeakThreadCount());
          stdout.flush();
        }
      }
    }
    System.exit(0);
  }
}
