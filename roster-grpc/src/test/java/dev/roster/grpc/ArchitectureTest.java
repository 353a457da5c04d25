package dev.roster.grpc;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** roster-grpc is written against roster-core's public API, as any user's code would be. */
@AnalyzeClasses(packages = "dev.roster.grpc", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  /**
   * The one exception, {@code internal.Validation}: a target names a base path and a service,
   * and the resolver checks them with the core's own rules ({@code basePath}, and for a name
   * to read, {@code readableName}) and quotes values the core's way, so a bad target is refused
   * when the channel is built, with the same message {@code Roster.builder()} would give.
   * Making those rules public would turn their messages and the reader's leniency into API
   * for the sake of one adaptor; keeping the exception to that one class keeps the cost in view.
   */
  @ArchTest
  static final ArchRule usesOnlyThePublicApiOfRosterCore = noClasses()
      .should().dependOnClassesThat(resideInAPackage("dev.roster.internal..")
          .and(not(name("dev.roster.internal.Validation"))))
      .because("dev.roster.internal may change in any release; an adaptor that needs more than the"
          + " public API shows what the API lacks");
}
