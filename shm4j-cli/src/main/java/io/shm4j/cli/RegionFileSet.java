package io.shm4j.cli;

import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The region files of one directory as the CLI sees them: listing and removal by tag. */
final class RegionFileSet {
    private final Path directory;

    RegionFileSet(Path directory) {
        this.directory = directory;
    }

    /**
     * Regular files whose names are valid tags, sorted; empty if the directory is missing. A
     * symbolic link is not a region (shm4j never follows one, FORMAT.md section 1).
     */
    List<Path> regions() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!isDirectory()) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path f : files) {
                if (RegionFiles.isTag(f.getFileName().toString()) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(f);
                }
            }
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(directory.toString(), null, "cannot list the region directory: no read"
                    + " permission on it; run as a user who may read it");
        }
        out.sort(null);
        return out;
    }

    /**
     * Deletes the file of {@code tag} and its helper files {@code tag~*}; returns whether the
     * region itself existed.
     */
    boolean remove(String tag) throws IOException {
        Path file = directory.resolve(RegionFiles.validateTag(tag));
        if (!isDirectory()) {
            return false;
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(file.toString(), null, "region " + tag + " is a directory, not a region"
                    + " file; shm4j rm removes only files (a link itself, never its target): remove it yourself");
        }
        boolean existed = delete(file, tag); // a link is removed, not its target
        String helperPrefix = tag + RegionFiles.HELPER_SEPARATOR;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory,
                f -> f.getFileName().toString().startsWith(helperPrefix))) {
            for (Path helper : files) {
                delete(helper, tag);
            }
        }
        return existed;
    }

    /** Whether the directory exists; a path that exists but is not a directory is an error. */
    private boolean isDirectory() throws FileSystemException {
        if (Files.isDirectory(directory)) {
            return true;
        }
        if (Files.exists(directory)) {
            throw new FileSystemException(directory.toString(), null, "the region directory is not a directory;"
                    + " point SHM4J_DIR (or --dir) at a directory");
        }
        return false;
    }

    private boolean delete(Path file, String tag) throws IOException {
        try {
            return Files.deleteIfExists(file);
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(file.toString(), null, "cannot remove region " + tag + ": no write"
                    + " permission on the directory " + directory + "; run as a user who may write it");
        }
    }
}
