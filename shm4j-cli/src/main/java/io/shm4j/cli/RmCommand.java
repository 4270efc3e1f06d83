package io.shm4j.cli;

import io.shm4j.internal.RegionFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code shm4j rm TAG...}: removes regions and their helper files. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = {"Remove regions (and their helper files TAG~*) from the region directory.",
                "Processes that still map a removed region keep their mapping until they close it.",
                "Every existing TAG is removed even if some are missing; then a missing one is an error."})
final class RmCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "TAG", description = "Tags of the regions to remove.")
    List<String> tags;

    @Option(names = {"-f", "--force"}, description = "A missing region is not an error.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        tags.forEach(RegionFiles::validateTag);
        Path dir = main.directory();
        RegionFileSet set = new RegionFileSet(dir);
        List<String> missing = new ArrayList<>();
        for (String tag : tags) {
            if (set.remove(tag)) {
                spec.commandLine().getOut().println("removed " + tag);
            } else {
                missing.add(tag);
            }
        }
        if (!missing.isEmpty() && !force) {
            throw new NoSuchFileException(null, null, "no region " + String.join(", ", missing) + " in " + dir
                    + (missing.size() < tags.size() ? " (the others were removed)" : "") + "; see 'shm4j ls'");
        }
        return ExitCodes.OK;
    }
}
