package dev.roster;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.domain.JavaTypeVariable;
import com.tngtech.archunit.core.domain.SourceCodeLocation;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.roster.internal.SecurityAccess;
import dev.roster.internal.Validation;
import java.util.List;
import java.util.Set;

/**
 * The boundary between Roster's public API and its implementation, held by rules rather than
 * by convention (DESIGN, "Modules").
 *
 * <p>Only roster-core's own main classes are analysed: the test kit and the embedded server
 * share the {@code dev.roster} prefix but are other modules with rules of their own.
 *
 * <p>There is no cycle rule over {@code dev.roster} itself, because one is inherent: the API
 * types name each other across packages ({@code Roster.Builder.codec(InstanceCodec)}, codecs
 * build {@code ServiceInstance}s), {@code Roster} delegates to {@code internal.RosterCore}, and
 * the internals implement and return the API's interfaces. What is held is that the
 * subpackages form no cycle among themselves.
 */
@AnalyzeClasses(packagesOf = Roster.class, importOptions = ArchitectureTest.RosterCoreMainClasses.class)
class ArchitectureTest {

  /** The packages users compile against. */
  private static final String[] API = {
      "dev.roster", "dev.roster.balance", "dev.roster.codec", "dev.roster.health", "dev.roster.security"};

  @ArchTest
  static final ArchRule noApacheTypeInAPublicSignature = classes()
      .that().resideInAnyPackage(API).and(areVisibleOutsideTheirPackage())
      .should(mentionNoTypeIn("org.apache.."))
      .because("users must not need ZooKeeper or Curator on their compile path, and we must be free to"
          + " change how we use them (DESIGN: no ZooKeeper or Curator type in a public signature)");

  @ArchTest
  static final ArchRule balanceAndCodecUseNeitherZooKeeperNorCurator = noClasses()
      .that().resideInAnyPackage("dev.roster.balance..", "dev.roster.codec..")
      .should().dependOnClassesThat().resideInAnyPackage("org.apache.zookeeper..", "org.apache.curator..")
      .because("selection and wire formats work on values alone: unit-tested without a server, and"
          + " reusable by the agent and by tools that read nodes another way");

  @ArchTest
  static final ArchRule codecUsesNothingInternal = noClasses()
      .that().resideInAPackage("dev.roster.codec..")
      .should().dependOnClassesThat().resideInAPackage("dev.roster.internal..")
      .because("InstanceCodec is an extension point: everything a codec needs is in the API or the"
          + " codec package itself");

  @ArchTest
  static final ArchRule balanceAndHealthUseOnlyValidationFromInternal = noClasses()
      .that().resideInAnyPackage("dev.roster.balance..", "dev.roster.health..")
      .should().dependOnClassesThat(resideInAPackage("dev.roster.internal..").and(
          DescribedPredicate.not(equivalentTo(Validation.class))))
      .because("the implementation depends on these packages, not the other way round; Validation"
          + " is the one exception: the writer's input rules and their message shape, shared with"
          + " ServiceInstance and Roster.builder() so every entry point refuses the same way");

  @ArchTest
  static final ArchRule securityUsesOnlyValidationAndSecurityAccessFromInternal = noClasses()
      .that().resideInAPackage("dev.roster.security..")
      .should().dependOnClassesThat(resideInAPackage("dev.roster.internal..").and(
          DescribedPredicate.not(equivalentTo(Validation.class)))
          .and(DescribedPredicate.not(equivalentTo(SecurityAccess.class))))
      .because("identities, ACL policies and TLS settings are values; SecurityAccess is how the"
          + " connection reads their secrets, which the public API never hands out");

  @ArchTest
  static final ArchRule validationAndSecurityAccessAreLeaves = classes()
      .that().belongToAnyOf(Validation.class, SecurityAccess.class)
      .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.roster..")
          .or(equivalentTo(Validation.class)).or(equivalentTo(SecurityAccess.class)))
      .because("the API packages may use them (see above) only because they can close no cycle");

  @ArchTest
  static final ArchRule subpackagesFormNoCycle = slices()
      .matching("dev.roster.(*)..").namingSlices("dev.roster.$1")
      .should().beFreeOfCycles()
      // A dependency on a leaf cannot take part in a cycle of classes; see validationIsALeaf.
      .ignoreDependency(alwaysTrue(), equivalentTo(Validation.class))
      .ignoreDependency(alwaysTrue(), equivalentTo(SecurityAccess.class))
      .because("the implementation builds on balance, codec and health; none of them may need it back");

  /** A class users can name: public, and every class it is nested in public too. */
  private static DescribedPredicate<JavaClass> areVisibleOutsideTheirPackage() {
    return DescribedPredicate.describe("are visible outside their package", ArchitectureTest::visible);
  }

  private static boolean visible(JavaClass c) {
    return c.getModifiers().contains(JavaModifier.PUBLIC)
        && c.getEnclosingClass().map(ArchitectureTest::visible).orElse(true);
  }

  private static boolean visible(JavaMember m) {
    Set<JavaModifier> modifiers = m.getModifiers();
    return (modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED))
        && !modifiers.contains(JavaModifier.SYNTHETIC) && !modifiers.contains(JavaModifier.BRIDGE);
  }

  /**
   * Every type a user sees through the class: what it extends and implements, its type
   * parameters' bounds, and the types of its public and protected fields, constructor and method
   * parameters, return values and declared exceptions, type arguments included.
   */
  private static ArchCondition<JavaClass> mentionNoTypeIn(String packageIdentifier) {
    DescribedPredicate<JavaClass> foreign = resideInAPackage(packageIdentifier);
    return new ArchCondition<>("mention no type in " + packageIdentifier + " in a public signature") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        Check check = new Check(foreign, events, c, c.getSourceCodeLocation());
        c.getSuperclass().ifPresent(t -> check.type(c.getName() + " extends", t));
        c.getInterfaces().forEach(t -> check.type(c.getName() + " implements", t));
        check.typeParameters(c.getName(), c.getTypeParameters());
        for (JavaField f : c.getFields()) {
          if (visible(f)) {
            check.at(f.getSourceCodeLocation()).type("field " + f.getFullName() + " is of type", f.getType());
          }
        }
        for (JavaCodeUnit u : c.getCodeUnits()) {
          if (!visible(u)) {
            continue;
          }
          String name = u.getFullName();
          Check at = check.at(u.getSourceCodeLocation());
          at.typeParameters(name, u.getTypeParameters());
          u.getParameterTypes().forEach(t -> at.type(name + " takes", t));
          at.type(name + " returns", u.getReturnType());
          u.getThrowsClause().getTypes().forEach(t -> at.type(name + " throws", t));
        }
      }
    };
  }

  private record Check(
      DescribedPredicate<JavaClass> foreign, ConditionEvents events, JavaClass owner, SourceCodeLocation location) {
    Check at(SourceCodeLocation memberLocation) {
      return new Check(foreign, events, owner, memberLocation);
    }

    void type(String where, JavaType type) {
      for (JavaClass raw : type.getAllInvolvedRawTypes()) {
        if (foreign.test(raw)) {
          events.add(SimpleConditionEvent.violated(owner, where + " " + raw.getName() + " in " + location));
        }
      }
    }

    void typeParameters(String where, List<? extends JavaTypeVariable<?>> parameters) {
      for (JavaTypeVariable<?> p : parameters) {
        p.getUpperBounds().forEach(t -> type(where + " has type parameter " + p.getName() + " bounded by", t));
      }
    }
  }

  /** roster-core's main classes: those loaded from where {@link Roster} itself was. */
  public static final class RosterCoreMainClasses implements ImportOption {
    private static final String ROOT =
        Roster.class.getProtectionDomain().getCodeSource().getLocation().toString();

    @Override
    public boolean includes(Location location) {
      return location.asURI().toString().startsWith(ROOT);
    }
  }
}
