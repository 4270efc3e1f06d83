package io.shm4j.internal;

import io.shm4j.RegionInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
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

    /** Regular files whose names are valid tags, sorted by tag; empty if the directory is missing. */
    public static List<Path> regionFiles(Path directory) throws IOException {
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

    /** What {@code file} is, read from its first bytes without mapping it. */
    public static RegionInfo describe(Path file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(COMMITTED_OFFSET + Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (head.hasRemaining() && ch.read(head) > 0) {
                // read the header or as much of it as the file has
            }
        }
        String tag = file.getFileName().toString();
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
     * region itself existed.
     */
    public static boolean remove(Path directory, String tag) throws IOException {
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
