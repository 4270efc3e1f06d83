package io.shm4j.internal;

import io.shm4j.CorruptRegionException;
import io.shm4j.RegionInfo;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The regions of one directory: listing them, and removing a tag with its helper files. */
public final class RegionDirectory {
    private RegionDirectory() {
    }

    /**
     * Regular files whose names are valid tags, sorted by tag; empty if the directory is missing.
     * A symbolic link is not a region (shm4j never follows one, FORMAT.md section 1).
     */
    public static List<Path> regionFiles(Path directory) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!isDirectory(directory)) {
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
     * What {@code file} is ({@link RegionHeader#kindOf}, the library's one header check); for an
     * object region its committed version, when that was published (read from the committed
     * slot, for display: a publish racing this read may show the previous time) and its master.
     */
    public static RegionInfo describe(Path file) throws IOException {
        String tag = file.getFileName().toString();
        long size = Files.size(file);
        RegionInfo damaged = new RegionInfo(tag, file, size, null, RegionInfo.Kind.DAMAGED_OBJECT, 0, 0, false);
        return switch (RegionHeader.kindOf(file)) {
            case RAW -> new RegionInfo(tag, file, size, Files.getLastModifiedTime(file).toInstant(), RegionInfo.Kind.RAW,
                    0, 0, false);
            case DAMAGED_OBJECT -> damaged;
            case OBJECT -> {
                try (ObjectRegion r = ObjectRegion.openReadOnly(tag, file)) {
                    long committed = r.committedAcquire();
                    ObjectRegion.SlotFields slot = r.slotFields(ObjectRegionDescriptor.slotIndex(committed));
                    Instant published = committed == 0 || slot.version() != committed ? null
                            : Instant.ofEpochSecond(0, slot.publishTimeNanos());
                    yield new RegionInfo(tag, file, size, published, RegionInfo.Kind.OBJECT, committed, r.masterPid(),
                            Processes.isAlive(r.masterPid(), r.masterStartMillis()));
                } catch (CorruptRegionException e) { // replaced by a damaged file since kindOf read it
                    yield damaged;
                }
            }
        };
    }

    /**
     * Whether a master holds {@code file}'s lock now, in this process or another: a probe takes
     * an open-file-description lock of its own, which conflicts with every master's (FORMAT.md
     * 5.3), and releases it by closing. Where this process may not open the file for writing,
     * the recorded master's liveness (pid and start time) answers instead.
     */
    public static boolean masterRunning(Path file) throws IOException {
        try (OpenFile probe = RegionFiles.open(file, true, "region " + file.getFileName())) {
            return !probe.tryLock();
        } catch (AccessDeniedException e) {
            return describe(file).masterAlive();
        }
    }

    /**
     * Deletes the file of {@code tag} and its helper files {@code tag~*}; returns whether the
     * region itself existed. A link is removed, never its target; a directory is refused.
     */
    public static boolean remove(Path directory, String tag) throws IOException {
        Path file = directory.resolve(RegionFiles.validateTag(tag));
        if (!isDirectory(directory)) {
            return false;
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(file.toString(), null, "region " + tag + " is a directory, not a region"
                    + " file; shm4j removes only files (a link itself, never its target): remove it yourself");
        }
        boolean existed = delete(directory, file, tag); // a link is removed, not its target
        String helperPrefix = tag + RegionFiles.HELPER_SEPARATOR;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory,
                f -> f.getFileName().toString().startsWith(helperPrefix))) {
            for (Path helper : files) {
                delete(directory, helper, tag);
            }
        }
        return existed;
    }

    /** Whether the directory exists; a path that exists but is not a directory is an error. */
    private static boolean isDirectory(Path directory) throws FileSystemException {
        if (Files.isDirectory(directory)) {
            return true;
        }
        if (Files.exists(directory)) {
            throw new FileSystemException(directory.toString(), null, "the region directory is not a directory;"
                    + " point SHM4J_DIR (or --dir) at a directory");
        }
        return false;
    }

    private static boolean delete(Path directory, Path file, String tag) throws IOException {
        try {
            return Files.deleteIfExists(file);
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(file.toString(), null, "cannot remove region " + tag + ": no write"
                    + " permission on the directory " + directory + "; run as a user who may write it");
        }
    }
}
