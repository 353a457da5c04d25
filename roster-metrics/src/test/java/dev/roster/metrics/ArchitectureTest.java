package dev.roster.metrics;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** roster-metrics sees the library only as its users do: through the public event listener. */
@AnalyzeClasses(packages = "dev.roster.metrics", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  @ArchTest
  static final ArchRule usesOnlyThePublicApiOfRosterCore = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("dev.roster.internal..", "dev.roster.codec..")
      .because("meters are fed by RosterEventListener alone; a meter that needs internals shows an event"
          + " the listener lacks");

  @ArchTest
  static final ArchRule usesNeitherZooKeeperNorCurator = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("org.apache.zookeeper..", "org.apache.curator..")
      .because("what ZooKeeper does reaches the meters as library events, whatever the library runs on");
}
