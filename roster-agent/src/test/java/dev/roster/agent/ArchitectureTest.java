package dev.roster.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import java.util.Set;

/**
 * The agent's API is {@link Agent} and its builder, and it is written against roster-core's
 * public API only, as any user's code would be. The DNS package's entry ({@code DnsServer}, and
 * the two types its signatures name) is public only because Java has no other way for the agent's
 * package to reach it: only the agent uses it, and users turn DNS on through the builder.
 */
@AnalyzeClasses(packages = "dev.roster.agent", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  /** The libraries the agent is built on: users embed the agent without compiling against them. */
  private static final List<String> HIDDEN = List.of(
      "org.eclipse.jetty.", "com.fasterxml.", "io.micrometer.", "org.apache.", "org.slf4j.");

  private static final String DNS = "dev.roster.agent.dns";

  @ArchTest
  static final ArchRule onlyTheAgentAndItsBuilderArePublic = classes()
      .that().arePublic()
      .and().resideOutsideOfPackage(DNS)
      .should().haveFullyQualifiedName(Agent.class.getName())
      .orShould().haveFullyQualifiedName(Agent.Builder.class.getName())
      .because("everything else (routes, states, streams) may change in any release");

  @ArchTest
  static final ArchRule theDnsPackageShowsOnlyItsEntryToTheAgent = classes()
      .that().arePublic()
      .and().resideInAPackage(DNS)
      .should().haveFullyQualifiedName(DNS + ".DnsServer")
      .orShould().haveFullyQualifiedName(DNS + ".DnsServer$Catalog")
      .orShould().haveFullyQualifiedName(DNS + ".DnsServer$Entry")
      .orShould().haveFullyQualifiedName(DNS + ".ServiceRecords")
      .andShould().onlyBeAccessed().byClassesThat().resideInAnyPackage("dev.roster.agent", DNS)
      .because("the DNS server's parsing, records and transports may change in any release; the agent"
          + " reaches it through one entry, and users through Agent.Builder.dns");

  @ArchTest
  static final ArchRule publicSignaturesMentionNoLibraryType = codeUnits()
      .that().areDeclaredInClassesThat().arePublic()
      .and().areDeclaredInClassesThat().resideOutsideOfPackage(DNS)
      .and().arePublic()
      .should(mentionNoTypeOf(HIDDEN))
      .because("Jetty, Jackson and Micrometer are how the agent works, not what its users call; keeping"
          + " them out of its signatures lets them change without breaking anyone");

  @ArchTest
  static final ArchRule usesOnlyThePublicApiOfRosterCore = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("dev.roster.internal..", "dev.roster.codec..")
      .because("dev.roster.internal may change in any release; an agent that needs more than the public"
          + " API shows what the API lacks");

  @ArchTest
  static final ArchRule talksToZooKeeperOnlyThroughTheLibrary = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("org.apache.zookeeper..", "org.apache.curator..")
      .because("the library owns sessions, retries and validation; the agent adds HTTP on top of it");

  @ArchTest
  static final ArchRule runsNoCommand = noClasses()
      .should().dependOnClassesThat().haveFullyQualifiedName(ProcessBuilder.class.getName())
      .orShould().callMethod(Runtime.class, "exec", String.class)
      .orShould().callMethod(Runtime.class, "exec", String[].class)
      .orShould().callMethod(Runtime.class, "exec", String.class, String[].class)
      .orShould().callMethod(Runtime.class, "exec", String[].class, String[].class)
      .orShould().callMethod(Runtime.class, "exec", String.class, String[].class, java.io.File.class)
      .orShould().callMethod(Runtime.class, "exec", String[].class, String[].class, java.io.File.class)
      .because("a registry that runs what a request names is remote code execution (Consul's script checks"
          + " over HTTP); the agent's only checks are TTL heartbeats");

  /** Parameter, return and thrown types of a public method or constructor, raw. */
  private static ArchCondition<JavaCodeUnit> mentionNoTypeOf(List<String> prefixes) {
    return new ArchCondition<>("mention no type of " + prefixes) {
      @Override
      public void check(JavaCodeUnit unit, ConditionEvents events) {
        Set<JavaModifier> modifiers = unit.getModifiers();
        if (modifiers.contains(JavaModifier.SYNTHETIC) || modifiers.contains(JavaModifier.BRIDGE)) {
          return;
        }
        for (JavaClass type : unit.getRawParameterTypes()) {
          check(unit, "takes", type, events);
        }
        check(unit, "returns", unit.getRawReturnType(), events);
        for (JavaClass type : unit.getThrowsClause().getTypes()) {
          check(unit, "throws", type, events);
        }
      }

      private void check(JavaCodeUnit unit, String how, JavaClass type, ConditionEvents events) {
        for (String prefix : prefixes) {
          if (type.getName().startsWith(prefix)) {
            events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " " + how + " " + type.getName()));
          }
        }
      }
    };
  }
}
