package io.shm4j.cli;

import io.shm4j.internal.RegionDirectory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The region files of one directory as the CLI sees them: listing and removal by tag. */
final class RegionFileSet {
    private final Path directory;

    RegionFileSet(Path directory) {
        this.directory = directory;
    }

    /** Regular files whose names are valid tags, sorted; empty if the directory is missing. */
    List<Path> regions() throws IOException {
        return RegionDirectory.regionFiles(directory);
    }

    /**
     * Deletes the file of {@code tag} and its helper files {@code tag~*}; returns whether the
     * region itself existed.
     */
    boolean remove(String tag) throws IOException {
        return RegionDirectory.remove(directory, tag);
    }
}
