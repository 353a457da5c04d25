package dev.roster.faults;

import dev.roster.Registration;
import dev.roster.Roster;
import dev.roster.RosterEventListener;
import dev.roster.ServiceInstance;
import java.time.Duration;

/**
 * A registering process for fault tests that freeze a whole JVM: registers one instance and
 * prints, every 20 ms, whether it claims to be registered and on which session, plus every
 * session change. Arguments: connect string, service, id, session timeout in ms.
 */
public final class RegistrantProcess {
  private RegistrantProcess() {}

  public static void main(String[] args) throws Exception {
    String connect = args[0];
    String service = args[1];
    String id = args[2];
    Duration session = Duration.ofMillis(Long.parseLong(args[3]));
    try (Roster roster = Roster.builder().connectString(connect).sessionTimeout(session)
        .eventListener(new RosterEventListener() {
          @Override
          public void sessionStarted(long previous, long sessionId) {
            line("SESSION " + Long.toHexString(previous) + " " + Long.toHexString(sessionId));
          }

          @Override
          public void connectionStateChanged(ConnectionState state) {
            line("STATE " + state);
          }
        }).build()) {
      Registration reg = roster.register(ServiceInstance.builder(service).id(id).address("127.0.0.1").port(7000).build());
      line("READY " + Long.toHexString(roster.sessionId()));
      while (!Thread.currentThread().isInterrupted()) {
        // The time is taken before the answer, so a freeze between the two can only make a claim
        // look older than it is, never newer.
        long at = System.currentTimeMillis();
        line(at, "CLAIM " + reg.isRegistered() + " " + Long.toHexString(roster.sessionId()));
        Thread.sleep(20);
      }
    }
  }

  private static void line(String text) {
    line(System.currentTimeMillis(), text);
  }

  private static void line(long at, String text) {
    System.out.println(at + " " + text);
    System.out.flush();
  }
}
