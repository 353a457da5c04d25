package dev.roster.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code roster} command shares: {@code --help} and {@code --version}, one layout
 * of the usage help, and its own {@link CommandSpec}. picocli merges a superclass's
 * {@code @Command} into each subclass's, so a command states only its name, description and
 * examples. Every command's help ends with the exit codes, the same list for all.
 */
@Command(
    mixinStandardHelpOptions = true,
    versionProvider = RosterCommand.Version.class,
    usageHelpAutoWidth = true,
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        " 0:done (also after Ctrl-C ended a command cleanly)",
        " 1:failed (port in use, an instance held by another process, a node not safe to delete)",
        " 2:bad input; nothing was sent",
        " 3:not found (no UP instance to pick, no instance to list, no node to deregister)",
        " 4:ZooKeeper unreachable within --timeout",
        "130:Ctrl-C before there was anything to clean up"
    },
    sortOptions = false)
abstract class BaseCommand {
  @Spec CommandSpec spec;
}
