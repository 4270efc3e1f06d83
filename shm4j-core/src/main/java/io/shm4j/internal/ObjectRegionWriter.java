package io.shm4j.internal;

import io.shm4j.ContentType;
import io.shm4j.CorruptRegionException;
import io.shm4j.MasterConflictException;
import io.shm4j.Shm4jException;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

import static io.shm4j.internal.ObjectRegionDescriptor.*;

/**
 * The one master of an object region: holds the lock, publishes versions, grows the file.
 *
 * <p>Implementation notes. Exclusion is an fcntl record lock on the region file, which the kernel
 * drops when the process dies, so a crashed master never blocks its successor. Because growth
 * replaces the file behind the tag, a lock only counts if the tag still names the locked file
 * after locking: {@link #acquire} compares the path's file key before opening and after locking,
 * and starts over if they differ (FORMAT.md 5.3). Growth sets SUPERSEDED on the old file
 * <em>before</em> renaming the new one over the tag, so a follower that sees the flag always
 * finds the new file, or (if this master dies in between) the old file still named by the tag,
 * whose flag the next master clears. A live file is never truncated.
 */
public final class ObjectRegionWriter implements AutoCloseable {
    private static final int MAX_ACQUIRE_ATTEMPTS = 100;

    private final String tag;
    private final Path file;
    private final ShmOptions options;
    /** Whom a publish must wake: the tag's follower registry and legacy sleepers count. */
    private final MasterWakeups wakeups;
    private FileChannel channel;
    private ObjectRegion region;
    private long version;

    private ObjectRegionWriter(String tag, Path file, ShmOptions options, FileChannel channel, ObjectRegion region) {
        this.tag = tag;
        this.file = file;
        this.options = options;
        this.channel = channel;
        this.region = region;
        this.version = region.committedToContinue();
        this.wakeups = MasterWakeups.open(tag, file, options);
    }

    /**
     * Takes {@code tag} as its master, creating the region if it does not exist.
     *
     * @return the writer, or {@code null} if another master holds it and {@code failIfHeld} is false
     * @throws MasterConflictException if another master holds it and {@code failIfHeld} is true
     */
    public static ObjectRegionWriter acquire(String tag, ShmOptions options, boolean failIfHeld) throws IOException {
        Path dir = RegionFiles.ensureDirectory(options);
        Path file = dir.resolve(RegionFiles.validateTag(tag));
        synchronized (MasterLocks.MONITOR) {
            for (int attempt = 0; attempt < MAX_ACQUIRE_ATTEMPTS; attempt++) {
                Object before;
                try {
                    before = ObjectRegion.fileKey(file);
                } catch (NoSuchFileException e) {
                    ObjectRegionWriter created = tryCreate(tag, file, options);
                    if (created != null) {
                        return created;
                    }
                    continue; // another process created it first: take theirs
                }
                if (MasterLocks.held(before) != null) {
                    return conflict(tag, ProcessHandle.current().pid(), failIfHeld);
                }
                FileChannel ch;
                try {
                    ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (NoSuchFileException e) {
                    continue;
                } catch (AccessDeniedException e) {
                    throw new AccessDeniedException(file.toString(), null, "no write permission on region " + tag
                            + ": a master needs read and write access to the file");
                }
                ObjectRegionWriter writer = lockAndTake(tag, file, options, ch, before, failIfHeld);
                if (writer != null) {
                    return writer;
                }
                if (!ch.isOpen()) {
                    continue; // replaced under us: start over
                }
                ch.close();
                return null;
            }
        }
        throw new Shm4jException("region " + tag + " was replaced " + MAX_ACQUIRE_ATTEMPTS
                + " times while taking it as master; is another process recreating it in a loop?");
    }

    /** Locks {@code ch}; returns the writer, or null (channel closed if the file was replaced, open if held). */
    private static ObjectRegionWriter lockAndTake(String tag, Path file, ShmOptions options, FileChannel ch,
                                                  Object before, boolean failIfHeld) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            long pid = readPid(ch);
            if (failIfHeld) {
                ch.close();
                throw new MasterConflictException(tag, pid);
            }
            return null;
        }
        try {
            Object after;
            try {
                after = ObjectRegion.fileKey(file);
            } catch (NoSuchFileException e) {
                after = null;
            }
            if (!before.equals(after)) {
                ch.close(); // releases the lock on the replaced file
                return null;
            }
            ObjectRegion region = ObjectRegion.map(tag, file, after, ch, true);
            try {
                region.committedToContinue(); // before anything is written
            } catch (CorruptRegionException e) {
                region.close();
                throw e;
            }
            if (region.isSuperseded()) {
                // The previous master died between flagging and renaming during growth; the tag
                // still names this file, so it is live.
                region.flagsRelease(region.flagsAcquire() & ~FLAG_SUPERSEDED);
            }
            return take(tag, file, options, ch, region);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static ObjectRegionWriter conflict(String tag, long pid, boolean failIfHeld) {
        if (failIfHeld) {
            throw new MasterConflictException(tag, pid);
        }
        return null;
    }

    private static long readPid(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining() && ch.read(buf, MASTER_PID_OFFSET + buf.position()) > 0) {
            // fill
        }
        return buf.position() == 8 ? buf.getLong(0) : 0;
    }

    /** Creates the region under a private name and links it to the tag (FORMAT.md 5.5); null if beaten. */
    private static ObjectRegionWriter tryCreate(String tag, Path file, ShmOptions options) throws IOException {
        Path tmp = file.resolveSibling(tag + RegionFiles.HELPER_SEPARATOR + "new." + ProcessHandle.current().pid());
        Files.deleteIfExists(tmp); // left by a dead process that had our pid
        FileChannel ch = RegionFiles.createReserved(tmp, fileLength(MIN_SLOT_CAPACITY), options);
        try {
            initHeader(ch, MIN_SLOT_CAPACITY);
            ch.lock();
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                ch.close();
                return null;
            }
            ObjectRegion region = ObjectRegion.map(tag, file, ObjectRegion.fileKey(file), ch, true);
            return take(tag, file, options, ch, region);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void initHeader(FileChannel ch, long capacity) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_LENGTH, arena);
            ObjectRegion.initHeader(seg, capacity, System.currentTimeMillis());
        }
    }

    private static ObjectRegionWriter take(String tag, Path file, ShmOptions options, FileChannel ch, ObjectRegion region) {
        region.takeOver(Processes.selfPid(), Processes.selfStartMillis(), region.generation() + 1);
        region.signalChange(null);
        MasterLocks.register(region.fileKey(), ch);
        return new ObjectRegionWriter(tag, file, options, ch, region);
    }

    public String tag() {
        return tag;
    }

    /** The committed version. */
    public long version() {
        return version;
    }

    /** The tag's follower registry; null if it cannot be used. */
    public FollowerRegistry registry() {
        return wakeups.registry();
    }

    public ObjectRegion region() {
        return region;
    }

    /** The committed snapshot (what a resumed master starts from), or null. */
    public Snapshot readCommitted() {
        return region.readCommitted();
    }

    /** Publishes {@code payload} as the next version, growing the region if it does not fit. */
    public long publish(ContentType type, byte[] payload) throws IOException {
        long next = version + 1;
        Instant now = Instant.now();
        long time = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        int crc = ObjectRegion.crc32(payload);
        if (payload.length > region.capacity()) {
            grow(next, type, payload, time, crc);
        } else {
            region.writeSlot(next, type, payload, time, crc);
            region.committedRelease(next);
            region.signalChange(wakeups);
        }
        version = next;
        return next;
    }

    /** FORMAT.md 5.4: write a larger file holding {@code next}, flag the old one, rename over the tag. */
    private void grow(long next, ContentType type, byte[] payload, long time, int crc) throws IOException {
        removeStrayGrowFiles();
        long capacity = capacityFor(payload.length, region.capacity());
        Path tmp = file.resolveSibling(tag + RegionFiles.HELPER_SEPARATOR + "grow." + ProcessHandle.current().pid());
        FileChannel newChannel = RegionFiles.createReserved(tmp, fileLength(capacity), options);
        ObjectRegion newRegion = null;
        boolean renamed = false;
        try {
            // The old file's bits, not this master's options: whoever could read it still can (FORMAT.md 5.4).
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
            initHeader(newChannel, capacity);
            newChannel.lock();
            newRegion = ObjectRegion.map(tag, file, ObjectRegion.fileKey(tmp), newChannel, true);
            newRegion.takeOver(region.masterPid(), region.masterStartMillis(), region.generation());
            newRegion.writeSlot(next, type, payload, time, crc);
            newRegion.committedRelease(next);
            synchronized (MasterLocks.MONITOR) {
                region.flagsRelease(region.flagsAcquire() | FLAG_SUPERSEDED);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                renamed = true;
                MasterLocks.unregister(region.fileKey());
                MasterLocks.register(newRegion.fileKey(), newChannel);
            }
        } catch (IOException | RuntimeException e) {
            if (!renamed) {
                region.flagsRelease(region.flagsAcquire() & ~FLAG_SUPERSEDED);
                if (newRegion != null) {
                    newRegion.close();
                }
                newChannel.close();
                Files.deleteIfExists(tmp);
            }
            throw e;
        }
        ObjectRegion old = region;
        FileChannel oldChannel = channel;
        region = newRegion;
        channel = newChannel;
        old.signalChange(null); // wakes waiters on the old file so they move to the new one
        old.close();
        oldChannel.close();
    }

    /** Growth files of earlier masters that died mid-growth; we hold the lock, so none is live. */
    private void removeStrayGrowFiles() throws IOException {
        // Tags have no glob metacharacters (RegionFiles.validateTag).
        try (DirectoryStream<Path> strays = Files.newDirectoryStream(file.getParent(),
                tag + RegionFiles.HELPER_SEPARATOR + "grow.*")) {
            for (Path stray : strays) {
                Files.deleteIfExists(stray);
            }
        }
    }

    /** Releases the lock and unmaps; the region and its last version stay for followers. */
    @Override
    public void close() throws IOException {
        synchronized (MasterLocks.MONITOR) {
            MasterLocks.unregister(region.fileKey());
            region.close();
            channel.close();
        }
    }
}
