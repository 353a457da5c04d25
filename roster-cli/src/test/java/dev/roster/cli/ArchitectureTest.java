package dev.roster.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The {@code roster} command is written against roster-core's public API, as any user's code would be. */
@AnalyzeClasses(packages = "dev.roster.cli", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule usesOnlyThePublicApiOfRosterCore = noClasses()
      .should().dependOnClassesThat().resideInAPackage("dev.roster.internal..")
      .because("dev.roster.internal may change in any release; what the command needs and the"
          + " public API lacks belongs in the API");
}
