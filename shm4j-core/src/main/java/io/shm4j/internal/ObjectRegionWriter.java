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
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.*;

/**
 * The one master of an object region: holds the lock, publishes versions, grows the file.
 *
 * <p>Implementation notes. Exclusion is an open-file-description lock ({@code F_OFD_SETLK}) on
 * the region file, held on a descriptor of its own ({@link OpenFile#tryLock}): nothing else this
 * process does with the file (another open and close, a mapping, a CLI command in the same JVM)
 * can drop it, and the kernel drops it when the process dies, so a crashed master never blocks
 * its successor. Because growth replaces the file behind the tag, a lock only counts if the tag
 * still names the locked file after locking: {@link #acquire} compares the path's file key
 * before opening and after locking, and starts over if they differ (FORMAT.md 5.3). Growth sets
 * SUPERSEDED on the old file <em>before</em> renaming the new one over the tag, so a follower
 * that sees the flag always finds the new file, or (if this master dies in between) the old file
 * still named by the tag, whose flag the next master clears. A live file is never truncated.
 */
public final class ObjectRegionWriter implements AutoCloseable {
    private static final int MAX_ACQUIRE_ATTEMPTS = 100;

    private final String tag;
    private final Path file;
    private final ShmOptions options;
    /** Whom a publish must wake: the tag's follower registry and legacy sleepers count. */
    private final MasterWakeups wakeups;
    private OpenFile opened; // the region file: its channel, and the descriptor holding the lock
    /** This master's identity in every header it writes (FORMAT.md 5.3), kept here: an old header may be lost. */
    private final long pid;
    private final long startMillis;
    private final long generation;
    private ObjectRegion region;
    /** Wakes {@link #region}'s waiters. */
    private Notifier notifier;
    /** Each version's publish time. */
    private final PublishClock clock = new PublishClock();
    private long version;

    private ObjectRegionWriter(String tag, Path file, ShmOptions options, OpenFile opened, ObjectRegion region) {
        this.tag = tag;
        this.file = file;
        this.options = options;
        this.opened = opened;
        this.region = region;
        this.version = region.committedToContinue();
        this.pid = region.masterPid();
        this.startMillis = region.masterStartMillis();
        this.generation = region.generation();
        this.wakeups = MasterWakeups.open(tag, file, options);
        this.notifier = region.notifier(wakeups);
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
                } catch (FileSystemException e) {
                    throw RegionFiles.reworded(e, file, "cannot look up region " + tag + ": "
                            + (e instanceof AccessDeniedException ? "permission denied" : e.getReason())
                            + "; a master needs to search and write " + file.getParent());
                }
                if (MasterLocks.held(before) != null) {
                    return conflict(tag, ProcessHandle.current().pid(), failIfHeld);
                }
                OpenFile f;
                try {
                    f = RegionFiles.open(file, true, "region " + tag);
                } catch (NoSuchFileException e) {
                    continue;
                } catch (AccessDeniedException e) {
                    throw new AccessDeniedException(file.toString(), null, "no write permission on region " + tag
                            + " (or its directory): a master needs read and write access to the file; run it as"
                            + " the file's owner, or in its group if the file is group-writable");
                }
                ObjectRegionWriter writer = lockAndTake(tag, file, options, f, before, failIfHeld);
                if (writer != null) {
                    return writer;
                }
                if (!f.channel().isOpen()) {
                    continue; // replaced under us: start over
                }
                f.close();
                return null;
            }
        }
        throw new Shm4jException("region " + tag + " was replaced " + MAX_ACQUIRE_ATTEMPTS
                + " times while taking it as master; is another process recreating it in a loop?");
    }

    /** Locks {@code f}; returns the writer, or null (file closed if it was replaced, open if held). */
    private static ObjectRegionWriter lockAndTake(String tag, Path file, ShmOptions options, OpenFile f,
                                                  Object before, boolean failIfHeld) throws IOException {
        FileChannel ch = f.channel();
        boolean locked;
        try {
            locked = f.tryLock();
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        if (!locked) {
            long pid = readPid(ch);
            if (failIfHeld) {
                f.close();
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
            if (!before.equals(after) || !after.equals(f.key())) {
                f.close(); // releases the lock on the replaced file
                return null;
            }
            ObjectRegion region = ObjectRegion.map(tag, file, after, ch);
            try {
                region.committedToContinue(); // before anything is written
            } catch (CorruptRegionException e) {
                region.close();
                throw e;
            }
            if (region.isSuperseded()) {
                // The previous master died between flagging and renaming during growth; the tag
                // still names this file, so it is live.
                setSuperseded(region, false);
            }
            return take(tag, file, options, f, region);
        } catch (IOException | RuntimeException e) {
            f.close();
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
        ByteBuffer pid = RegionFiles.uninterruptibly(() -> RegionFiles.readFully(ch,
                ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN), MASTER_PID_OFFSET));
        return pid.limit() == Long.BYTES ? pid.getLong(0) : 0;
    }

    /**
     * Creates the region whole and locked under a helper name and links it to the tag
     * (FORMAT.md 5.5, {@link RegionFiles#createReservedAtomically}); null if another process
     * linked the tag first.
     */
    private static ObjectRegionWriter tryCreate(String tag, Path file, ShmOptions options) throws IOException {
        OpenFile f;
        try {
            f = RegionFiles.createReservedAtomically(file, fileLength(MIN_SLOT_CAPACITY), options, created -> {
                initHeader(created.channel(), MIN_SLOT_CAPACITY);
                if (!created.tryLock()) {
                    throw new Shm4jException("another process locked " + created.path() + " before it became region "
                            + tag + "; nothing was created: try again");
                }
            });
        } catch (FileAlreadyExistsException e) {
            if (file.equals(Path.of(e.getFile()))) {
                return null;
            }
            throw e;
        }
        try {
            ObjectRegion region = ObjectRegion.map(tag, file, f.key(), f.channel());
            return take(tag, file, options, f, region);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static void initHeader(FileChannel ch, long capacity) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = RegionFiles.uninterruptibly(() -> ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_LENGTH, arena));
            initHeader(seg, capacity, System.currentTimeMillis());
        }
    }

    private static ObjectRegionWriter take(String tag, Path file, ShmOptions options, OpenFile f, ObjectRegion region)
            throws IOException {
        takeOver(region, Processes.selfPid(), Processes.selfStartMillis(), region.generation() + 1);
        region.notifier(null).signal();
        MasterLocks.register(region.fileKey(), f.channel());
        RegionFiles.removeStaleHelpers(file); // a creator's, killed between link and unlink (FORMAT.md 5.5)
        return new ObjectRegionWriter(tag, file, options, f, region);
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

    /**
     * The committed snapshot (what a resumed master starts from), or null.
     *
     * @throws io.shm4j.RegionShrunkException if the file shrank under this master (its next publish moves the region)
     */
    public Snapshot readCommitted() throws IOException {
        try {
            Snapshot committed = region.readCommitted();
            FaultPoint.here();
            return committed;
        } catch (InternalError fault) {
            throw region.shrunk(fileSize(), fault, "its last version is lost; the next publish moves the region to a new file");
        }
    }

    /**
     * Publishes {@code payload} as the next version, growing the region if it does not fit. If
     * the file shrank under this master (another program truncated it; the JVM reports the write
     * to a lost page as an {@link InternalError}), moves the region to a new file holding this
     * version, as growth does, and logs a warning (FORMAT.md 5.4). If the tag's registry or
     * sleepers file shrank, publishes in place and wakes on every publish from then on
     * ({@link MasterWakeups#lost}).
     */
    public long publish(ContentType type, byte[] payload) throws IOException {
        long next = version + 1;
        long time = clock.epochNanos();
        if (payload.length > region.capacity()) {
            moveTo(capacityFor(payload.length, region.capacity()), next, type, payload, time);
        } else {
            try {
                writeWaking(region, notifier, next, type, payload, time);
            } catch (InternalError fault) {
                relocateShrunk(fault, next, type, payload, time);
            }
        }
        version = next;
        return next;
    }

    /**
     * {@link #write(ObjectRegion, Notifier, long, ContentType, byte[], long)}, checked for a
     * fault ({@link FaultPoint}). A fault there is the region file's or a wake-up file's: the
     * write asks {@link MasterWakeups} who sleeps. If a wake-up file shrank, the publish is
     * finished in {@code r}, now waking regardless: the fault surfaces at a safepoint poll after
     * the access, anywhere in the write, so the version is written again unless it was
     * committed, and else only the wake is repeated (a second increment of notify makes waiters
     * merely look again). A fault of the region file is thrown.
     */
    private void writeWaking(ObjectRegion r, Notifier n, long next, ContentType type, byte[] payload, long time) {
        try {
            write(r, n, next, type, payload, time);
            FaultPoint.here();
        } catch (InternalError fault) {
            if (!wakeups.lost(fault)) {
                throw fault;
            }
            if (r.committedAcquire() == next) {
                n.signal();
            } else {
                write(r, n, next, type, payload, time);
            }
            FaultPoint.here();
        }
    }

    // ---- the writer's half of the protocol: every store into a region file is below ----

    /**
     * Publishes {@code payload} as {@code version} into {@code r} and tells its waiters: the whole
     * ordered write of FORMAT.md 5.1, step by step, in the one place it is written (a publish and
     * a growth both call it). The caller is the master, the only writer, and {@code version} is
     * one past the committed version, so no reader is meant to be reading this slot; the seq
     * catches one so slow that two publishes pass during its copy. Package-private for the
     * jcstress tests (module shm4j-jcstress), which race it against {@link ObjectRegion#readCommitted}.
     */
    static void write(ObjectRegion r, Notifier notifier, long version, ContentType type, byte[] payload,
                              long publishTimeNanos) {
        // The CRC-32 after the seq serves followers that spin: they copy meanwhile. One asleep in
        // the kernel (now, or at the last publish) is woken by the commit, which the CRC-32 in
        // the copy's pass brings sooner.
        write(r, notifier, version, type, payload, publishTimeNanos,
                payload.length >= CRC_AFTER_SEQ_FROM && !notifier.sleepersSeen());
    }

    /**
     * {@link #write(ObjectRegion, Notifier, long, ContentType, byte[], long)} with the CRC-32
     * stored after the seq store ({@code crcAfterSeq}) or before it; the jcstress tests race both.
     */
    static void write(ObjectRegion r, Notifier notifier, long version, ContentType type, byte[] payload,
                      long publishTimeNanos, boolean crcAfterSeq) {
        MemorySegment seg = r.segment();
        long slot = slotOffset(r.capacity(), slotIndex(version));
        long seq = (long) LONG_HANDLE.get(seg, slot + SLOT_SEQ_OFFSET);
        // 1. seq odd: being written. Release: the previous publish's committed store is visible
        //    before it, so a reader that sees the odd seq and loads committed again finds it moved
        //    on; an odd seq under an unchanged committed is therefore damage (FORMAT.md 5.2).
        //    Already odd: a master died writing this slot; it stays odd until this write completes.
        if ((seq & 1) == 0) {
            LONG_HANDLE.setRelease(seg, slot + SLOT_SEQ_OFFSET, seq + 1);
        }
        // 2. StoreStore: the odd seq is visible before any payload byte, so a reader that copied a
        //    new byte finds seq changed when it loads it again.
        VarHandle.releaseFence();
        // 3. Payload and fields, plain stores: no reader accepts them while seq is odd. The
        //    CRC-32 too, taken in the copy's pass, unless it comes after the seq (4b).
        if (crcAfterSeq) {
            MemorySegment.copy(payload, 0, seg, ValueLayout.JAVA_BYTE, slot + SLOT_HEADER_LENGTH, payload.length);
        } else {
            seg.set(INT, slot + SLOT_CRC_OFFSET, copyIn(seg, slot, payload));
        }
        seg.set(LONG, slot + SLOT_VERSION_OFFSET, version);
        seg.set(INT, slot + SLOT_LENGTH_OFFSET, payload.length);
        seg.set(INT, slot + SLOT_CONTENT_TYPE_OFFSET, type.id());
        seg.set(LONG, slot + SLOT_PUBLISH_TIME_OFFSET, publishTimeNanos);
        // 4. seq even again, and larger than any value a reader saw. Release: every byte above
        //    is visible before it.
        LONG_HANDLE.setRelease(seg, slot + SLOT_SEQ_OFFSET, (seq | 1) + 1);
        // 4b. The CRC-32 of the bytes this master meant (its own array, in its cache), while a
        //    waiting follower copies the slot ahead of the commit (FORMAT.md 5.2). A plain store:
        //    committed's release below orders it, and no reader loads a slot's crc32 before it
        //    has loaded a committed that names the slot's version.
        if (crcAfterSeq) {
            CRC32 crc = new CRC32();
            crc.update(payload);
            seg.set(INT, slot + SLOT_CRC_OFFSET, (int) crc.getValue());
        }
        // 5. committed. Release: the slot is whole before a reader can find it named. A master
        //    killed anywhere before this store leaves the previous version committed and whole.
        LONG_HANDLE.setRelease(seg, (long) COMMITTED_OFFSET, version);
        // 6. notify + 1, and FUTEX_WAKE if anyone sleeps (after committed: a waiter woken finds it).
        notifier.signal();
        // 7. Not part of the protocol: take the lines of the slot the next publish writes.
        takeAhead(seg, slotOffset(r.capacity(), slotIndex(version + 1)), r.capacity());
    }

    /**
     * Takes back ({@link CacheLines}) the slot header and payload of the slot at {@code slot}, so
     * that this core owns those lines when the next publish copies into them.
     * Followers pulled them into their caches reading the version held there; taking them back is
     * what a copy into them waits for. Done here, after the commit and the wake-up, it overlaps the
     * followers' copy of the new version instead of delaying the next one: on this project's VM,
     * while its cross-core transfers were slow, a 1 MiB publish→copied by a spinning follower took
     * 213 µs without it and 103 µs with it, 64 KiB 15.4 µs and 6.1 µs (medians of 22 paired
     * rounds, docs/BENCHMARKS.md, "The machine's two states"). Every byte keeps its value, so a
     * reader still copying the old version there reads what it would have read; only the master
     * stores into slots.
     */
    private static void takeAhead(MemorySegment seg, long slot, long capacity) {
        int held = seg.get(INT, slot + SLOT_LENGTH_OFFSET);
        CacheLines.takeBack(seg, slot, SLOT_HEADER_LENGTH + (held < 0 || held > capacity ? capacity : held));
    }

    /**
     * The slot copy of a publish: {@code payload} into the slot at {@code slot}, and its CRC-32,
     * taken chunk by chunk as it is copied ({@link CrcCopy}).
     */
    private static int copyIn(MemorySegment seg, long slot, byte[] payload) {
        return CrcCopy.toSegment(payload, seg, slot + SLOT_HEADER_LENGTH, new CRC32());
    }

    /** A fresh header: no master yet, nothing committed. */
    static void initHeader(MemorySegment seg, long capacity, long createdMillis) {
        MemorySegment.copy(MAGIC, 0, seg, ValueLayout.JAVA_BYTE, MAGIC_OFFSET, MAGIC.length);
        seg.set(INT, FORMAT_VERSION_OFFSET, FORMAT_VERSION);
        seg.set(INT, HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        seg.set(LONG, SLOT_CAPACITY_OFFSET, capacity);
        seg.set(LONG, FILE_LENGTH_OFFSET, fileLength(capacity));
        seg.set(LONG, CREATED_OFFSET, createdMillis);
    }

    /** Records a master in {@code r}'s header: pid, start time, generation (FORMAT.md 5.3 step 5). */
    private static void takeOver(ObjectRegion r, long pid, long startMillis, long generation) {
        MemorySegment seg = r.segment();
        seg.set(LONG, MASTER_PID_OFFSET, pid);
        seg.set(LONG, MASTER_START_OFFSET, startMillis);
        LONG_HANDLE.setRelease(seg, (long) GENERATION_OFFSET, generation);
    }

    /** Sets or clears SUPERSEDED in {@code r}'s flags (release: FORMAT.md 5.4 step 3 orders it before the rename). */
    private static void setSuperseded(ObjectRegion r, boolean superseded) {
        int flags = r.flagsAcquire();
        INT_HANDLE.setRelease(r.segment(), (long) FLAGS_OFFSET, superseded ? flags | FLAG_SUPERSEDED : flags & ~FLAG_SUPERSEDED);
    }

    /**
     * After a fault writing {@code next}: the file shrank under this master. Moves the region to
     * a new file of the same capacity holding {@code next}, so followers continue there.
     */
    private void relocateShrunk(InternalError fault, long next, ContentType type, byte[] payload, long time)
            throws IOException {
        long size = fileSize();
        ObjectRegion shrunk = region;
        try {
            moveTo(Math.max(region.capacity(), capacityFor(payload.length, MIN_SLOT_CAPACITY)), next, type, payload, time);
        } catch (InternalError again) {
            throw shrunk.shrunk(fileSize(), again, "moving the region to a new file faulted too; nothing was published");
        }
        System.getLogger("io.shm4j").log(System.Logger.Level.WARNING, shrunk.shrunk(size, fault,
                "moved the region to a new file holding version " + Long.toUnsignedString(next)).getMessage());
    }

    /**
     * FORMAT.md 5.4: writes a file of {@code capacity} holding {@code next}, flags the old one
     * SUPERSEDED and renames the new one over the tag. The old header is touched only while its
     * page is still mapped (a file shrunk to 0 bytes has none).
     */
    private void moveTo(long capacity, long next, ContentType type, byte[] payload, long time) throws IOException {
        removeStrayGrowFiles();
        Path tmp = file.resolveSibling(tag + RegionFiles.HELPER_SEPARATOR + "grow." + ProcessHandle.current().pid());
        OpenFile newFile = RegionFiles.createReserved(tmp, fileLength(capacity), options);
        FileChannel newChannel = newFile.channel();
        ObjectRegion newRegion = null;
        Notifier newNotifier = null;
        boolean oldHeaderMapped = fileSize() > 0;
        boolean renamed = false;
        try {
            // The old file's bits, not this master's options: whoever could read it still can (FORMAT.md 5.4).
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
            initHeader(newChannel, capacity);
            if (!newFile.tryLock()) {
                throw new Shm4jException("another process locked " + tmp + " before it replaced region " + tag
                        + "; nothing was published: try again");
            }
            newRegion = ObjectRegion.map(tag, file, newFile.key(), newChannel);
            takeOver(newRegion, pid, startMillis, generation);
            newNotifier = newRegion.notifier(wakeups);
            writeWaking(newRegion, newNotifier, next, type, payload, time);
            synchronized (MasterLocks.MONITOR) {
                if (oldHeaderMapped) {
                    setSuperseded(region, true);
                    FaultPoint.here(); // truncated to 0 bytes since the check: fail before the rename
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                renamed = true;
                MasterLocks.unregister(region.fileKey());
                MasterLocks.register(newRegion.fileKey(), newChannel);
            }
        } catch (IOException | RuntimeException | Error e) {
            if (!renamed) {
                if (oldHeaderMapped) {
                    setSuperseded(region, false);
                }
                if (newRegion != null) {
                    newRegion.close();
                }
                newFile.close();
                Files.deleteIfExists(tmp);
            }
            throw e;
        }
        ObjectRegion old = region;
        OpenFile oldFile = opened;
        region = newRegion;
        notifier = newNotifier;
        opened = newFile;
        if (oldHeaderMapped) {
            try {
                old.notifier(null).signal(); // wakes waiters on the old file so they move to the new one
                FaultPoint.here();
            } catch (InternalError lost) {
                // truncated to 0 bytes meanwhile: its waiters find the tag moved when they next read
            }
        }
        old.close();
        oldFile.close();
    }

    /** The size of this master's file now; its channel outlives an interrupt of the caller (RegionFiles.uninterruptibly). */
    private long fileSize() throws IOException {
        return RegionFiles.uninterruptibly(opened.channel()::size);
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
            opened.close();
        }
    }
}
