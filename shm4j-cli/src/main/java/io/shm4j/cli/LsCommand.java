package io.shm4j.cli;

import io.shm4j.RegionInfo;
import io.shm4j.internal.RegionDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code shm4j ls}: the regions in the directory with size, kind and modification time. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List the regions in the region directory: tag, size in bytes, kind, last modified.",
                "Kind is 'object vN' for a shared-object region (N: its committed version), else 'raw'.",
                "Files whose names are not valid tags (e.g. helper files TAG~...) are skipped."})
final class LsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = main.directory();
        List<Path> regions = new RegionFileSet(dir).regions();
        if (regions.isEmpty()) {
            out.println("no regions in " + dir);
            return ExitCodes.OK;
        }
        String format = "%-30s %12s  %-20s %s%n";
        out.printf(format, "TAG", "SIZE", "KIND", "MODIFIED");
        for (Path f : regions) {
            out.printf(format, f.getFileName(), Files.size(f), kind(f),
                    TIME.format(Files.getLastModifiedTime(f).toInstant()));
        }
        return ExitCodes.OK;
    }

    /** "object vN" if the file starts with the object-region magic, else "raw". */
    static String kind(Path file) throws IOException {
        RegionInfo info = RegionDirectory.describe(file);
        return switch (info.kind()) {
            case RAW -> "raw";
            case TRUNCATED_OBJECT -> "object (truncated)";
            case OBJECT -> "object v" + Long.toUnsignedString(info.version());
        };
    }
}
