package io.shm4j.cli;

import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The region files of one directory as the CLI sees them: listing and removal by tag. */
final class RegionFileSet {
    private final Path directory;

    RegionFileSet(Path directory) {
        this.directory = directory;
    }

    /** Regular files whose names are valid tags, sorted; empty if the directory is missing. */
    List<Path> regions() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path f : files) {
                if (RegionFiles.isTag(f.getFileName().toString()) && Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Deletes the file of {@code tag} and its helper files {@code tag~*}; returns whether the
     * region itself existed.
     */
    boolean remove(String tag) throws IOException {
        boolean existed = Files.deleteIfExists(directory.resolve(RegionFiles.validateTag(tag)));
        if (Files.isDirectory(directory)) {
            String helperPrefix = tag + RegionFiles.HELPER_SEPARATOR;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory,
                    f -> f.getFileName().toString().startsWith(helperPrefix))) {
                for (Path helper : files) {
                    Files.deleteIfExists(helper);
                }
            }
        }
        return existed;
    }
}
