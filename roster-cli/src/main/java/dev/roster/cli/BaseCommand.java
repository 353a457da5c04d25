package dev.roster.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code roster} command shares: {@code --help} and {@code --version}, one layout
 * of the usage help, and its own {@link CommandSpec}. picocli merges a superclass's
 * {@code @Command} into each subclass's, so a command states only its name, description and
 * examples.
 */
@Command(
    mixinStandardHelpOptions = true,
    versionProvider = RosterCommand.Version.class,
    usageHelpAutoWidth = true,
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    sortOptions = false)
abstract class BaseCommand {
  @Spec CommandSpec spec;
}
