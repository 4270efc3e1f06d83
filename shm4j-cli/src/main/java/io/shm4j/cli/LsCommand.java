package io.shm4j.cli;

import io.shm4j.RegionInfo;
import io.shm4j.internal.RegionDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code shm4j ls [--json]}: the regions in the directory with size, kind, version and last change. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List the regions in the region directory: tag, size in bytes, kind, version, last modified.",
                "Kind is 'object' for a shared-object region (VERSION: its committed version; MODIFIED: when that",
                "version was published), 'object (damaged)' for one no reader accepts, else 'raw' (MODIFIED: the",
                "file's modification time). Files whose names are not valid tags (e.g. helper files TAG~...) are skipped."})
final class LsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "One JSON array of {tag, size, kind, version, modified}; modified as ISO-8601 UTC, null if never published.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = main.directory();
        List<Path> regions = new RegionFileSet(dir).regions();
        if (json) {
            ArrayNode array = JsonInput.mapper().createArrayNode();
            for (Path f : regions) {
                RegionInfo e = RegionDirectory.describe(f);
                ObjectNode o = array.addObject().put("tag", e.tag()).put("size", e.size()).put("kind", kind(e));
                if (e.kind() != RegionInfo.Kind.OBJECT) {
                    o.putNull("version");
                } else {
                    o.put("version", GetCommand.unsigned(e.version()));
                }
                if (e.modified() == null) {
                    o.putNull("modified");
                } else {
                    o.put("modified", e.modified().toString());
                }
            }
            out.println(JsonInput.mapper().writeValueAsString(array));
            return ExitCodes.OK;
        }
        if (regions.isEmpty()) {
            out.println("no regions in " + dir);
            return ExitCodes.OK;
        }
        String format = "%-30s %12s  %-16s %8s  %s%n";
        out.printf(format, "TAG", "SIZE", "KIND", "VERSION", "MODIFIED");
        for (Path f : regions) {
            RegionInfo e = RegionDirectory.describe(f);
            out.printf(format, e.tag(), e.size(), kind(e), e.kind() != RegionInfo.Kind.OBJECT ? "-" : Long.toUnsignedString(e.version()),
                    e.modified() == null ? "-" : TIME.format(e.modified()));
        }
        return ExitCodes.OK;
    }

    /** The KIND column: "object", "object (damaged)" or "raw". */
    static String kind(RegionInfo r) {
        return switch (r.kind()) {
            case RAW -> "raw";
            case DAMAGED_OBJECT -> "object (damaged)";
            case OBJECT -> "object";
        };
    }
}
