package io.shm4j.internal;

import io.shm4j.RegionInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.shm4j.internal.ObjectRegionDescriptor.*;

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

    /** What {@code file} is, read from its first bytes without mapping it. */
    public static RegionInfo describe(Path file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(COMMITTED_OFFSET + Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        String tag = file.getFileName().toString();
        try (FileChannel ch = RegionFiles.open(file, false, "region " + tag).detach()) {
            while (head.hasRemaining() && ch.read(head) > 0) {
                // read the header or as much of it as the file has
            }
        }
        long size = Files.size(file);
        var modified = Files.getLastModifiedTime(file).toInstant();
        byte[] magic = Arrays.copyOf(head.array(), MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            return new RegionInfo(tag, file, size, modified, RegionInfo.Kind.RAW, 0, 0, false);
        }
        if (head.position() < head.capacity()) {
            return new RegionInfo(tag, file, size, modified, RegionInfo.Kind.TRUNCATED_OBJECT, 0, 0, false);
        }
        long pid = head.getLong(MASTER_PID_OFFSET);
        return new RegionInfo(tag, file, size, modified, RegionInfo.Kind.OBJECT, head.getLong(COMMITTED_OFFSET), pid,
                Processes.isAlive(pid, head.getLong(MASTER_START_OFFSET)));
    }

    /**
     * Whether a master holds {@code file}'s lock now: one of this process (its registry of held
     * locks), or of another (a lock probe, released at once). Where this process may not open the
     * file for writing, the recorded master's liveness (pid and start time) answers instead.
     */
    public static boolean masterRunning(Path file) throws IOException {
        synchronized (MasterLocks.MONITOR) {
            if (MasterLocks.held(ObjectRegion.fileKey(file)) != null) {
                return true;
            }
            // Not our master: closing this descriptor drops no lock this process holds.
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock probe = ch.tryLock();
                if (probe == null) {
                    return true;
                }
                probe.release();
                return false;
            } catch (AccessDeniedException e) {
                return describe(file).masterAlive();
            }
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
