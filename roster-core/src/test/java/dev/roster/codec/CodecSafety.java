package dev.roster.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.roster.ServiceInstance;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one check that the fuzz and the generated tests make of node data: every codec either
 * decodes it or throws {@link InstanceFormatException}, nothing else (no {@code
 * StackOverflowError}, no {@code NullPointerException}, no {@code ArithmeticException}); what
 * it decodes can be re-encoded and shown; and no class is looked up by a name from the data.
 *
 * <p>Class lookups are watched two ways: the decoding thread's context class loader, through
 * which Jackson and most deserialization libraries resolve a type named by data, records every
 * name asked of it; and {@link ProbeGadget}, named by the generated data but by no code, raises
 * a flag if anything loads or constructs it.
 */
public final class CodecSafety {
  /** Every codec Roster ships. */
  public static final List<InstanceCodec> CODECS = List.of(InstanceCodec.springCloud(), InstanceCodec.curator(),
      InstanceCodec.curator(false), InstanceCodec.raw(), InstanceCodec.serverSet(), InstanceCodec.nerve(),
      InstanceCodec.detecting());

  /** JDK and library classes that deserialization attacks have named, plus our own probe. */
  public static final List<String> GADGETS = List.of(ProbeFlags.GADGET, "com.sun.rowset.JdbcRowSetImpl",
      "java.lang.ProcessBuilder", "java.lang.Runtime", "javax.script.ScriptEngineManager",
      "javax.management.BadAttributeValueExpException", "java.net.URL", "java.io.File",
      "org.springframework.context.support.ClassPathXmlApplicationContext",
      "org.springframework.beans.factory.config.PropertyPathFactoryBean",
      "org.springframework.cloud.zookeeper.discovery.ZookeeperInstance",
      "org.apache.xbean.propertyeditor.JndiConverter", "com.zaxxer.hikari.HikariConfig",
      "ch.qos.logback.core.db.DriverManagerConnectionSource", "org.apache.zookeeper.ZooKeeper",
      "dev.roster.ServiceInstance", "[Ljava.lang.Object;");

  private CodecSafety() {}

  /** What one decode came to, for tests that count outcomes. */
  public record Outcome(int decoded, int refused) {}

  /**
   * Decodes {@code data} with every codec and checks the contract.
   *
   * @param replay how to replay this case, put in every failure message
   */
  public static Outcome check(byte[] data, String replay) {
    int decoded = 0;
    int refused = 0;
    for (InstanceCodec codec : CODECS) {
      RecordingLoader loader = new RecordingLoader(CodecSafety.class.getClassLoader());
      Thread thread = Thread.currentThread();
      ClassLoader before = thread.getContextClassLoader();
      thread.setContextClassLoader(loader);
      ServiceInstance instance = null;
      try {
        instance = codec.decode("svc", "node-1", data);
      } catch (InstanceFormatException e) {
        refused++;
        assertThat(e.getMessage()).as("%s refused %s with no message", codec, replay).isNotBlank();
      } catch (Throwable t) {
        fail(codec + " threw " + t + " instead of InstanceFormatException; " + replay, t);
      } finally {
        thread.setContextClassLoader(before);
      }
      if (instance != null) {
        decoded++;
        checkDecoded(codec, instance, replay);
      }
      assertThat(loader.asked()).as("%s looked up classes by name: %s", codec, replay).isEmpty();
      assertThat(ProbeFlags.INITIALIZED).as("%s loaded %s: %s", codec, ProbeFlags.GADGET, replay).isFalse();
      assertThat(ProbeFlags.CONSTRUCTED).as("%s built %s: %s", codec, ProbeFlags.GADGET, replay).isFalse();
    }
    return new Outcome(decoded, refused);
  }

  private static void checkDecoded(InstanceCodec codec, ServiceInstance instance, String replay) {
    assertThat(instance.service()).as("%s: service of %s", codec, replay).isEqualTo("svc");
    assertThat(instance.id()).as("%s: id of %s", codec, replay).isNotEmpty();
    assertThat(instance.weight()).as("%s: weight of %s", codec, replay).isBetween(0, 1_000_000);
    try {
      // What a view or the agent does with a decoded instance: show it, compare it, write it again.
      instance.toString();
      instance.hashCode();
      instance.hostPort();
      InstanceCodec.raw().encode(instance);
      if (instance.payload().isEmpty()) {
        InstanceCodec.springCloud().encode(instance);
        InstanceCodec.curator().encode(instance);
      }
    } catch (Throwable t) {
      fail(codec + " decoded an instance that cannot be used (" + t + "): " + instance + "; " + replay, t);
    }
  }

  /** A context class loader that records every name asked of it before delegating. */
  private static final class RecordingLoader extends ClassLoader {
    private final List<String> asked = Collections.synchronizedList(new ArrayList<>());

    RecordingLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      asked.add(name);
      return super.loadClass(name, resolve);
    }

    List<String> asked() {
      return List.copyOf(asked);
    }
  }
}
