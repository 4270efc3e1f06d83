package io.shm4j.internal;

import io.shm4j.ContentType;
import io.shm4j.CorruptRegionException;
import io.shm4j.InconsistentSnapshotException;
import io.shm4j.RegionNotFoundException;
import io.shm4j.RegionShrunkException;
import io.shm4j.Snapshot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.*;

/**
 * One mapping of an object region file: its header fields (acquire loads) and the read of
 * {@code docs/FORMAT.md} 5.2. Followers map read-only; only {@link ObjectRegionWriter} maps
 * read-write, and every store into a region is its code ({@link ObjectRegionWriter} holds the
 * writer's half of the protocol, this class the reader's).
 *
 * <p>Implementation notes (the seqlock). The writer makes the slot's {@code seq} odd, issues a
 * release fence so the odd value is visible before any payload byte, writes the payload and
 * fields, then stores the next even {@code seq} with release semantics, and only then publishes
 * the version in {@code committed} (release). A reader loads {@code committed} and {@code seq}
 * with acquire semantics, copies, issues an acquire (load-load) fence so the copy completes
 * before {@code seq} is loaded again, and accepts the copy only if {@code seq} was even and did
 * not change, the slot holds exactly the committed version, and the CRC matches. This is the
 * read-validate pattern of {@link java.util.concurrent.locks.StampedLock#validate}. Readers
 * never write shared memory: their mapping is read-only, so a reader cannot corrupt the region
 * and adds no cache-line ownership traffic for the writer.
 */
public final class ObjectRegion implements AutoCloseable {
    /** How long a read retries before giving up; see FORMAT.md 5.2. */
    static final long MAX_READ_NANOS = 5_000_000_000L;

    private final String tag;
    private final Path file;
    private final Object fileKey;
    private final Arena arena;
    private final MemorySegment segment;
    private final long capacity;
    /** Whether reads check the CRC-32 ({@link io.shm4j.ShmOptions#verifyChecksums()}); a master's always do. */
    private final boolean verifies;

    private ObjectRegion(String tag, Path file, Object fileKey, Arena arena, MemorySegment segment, long capacity,
                         boolean verifies) {
        this.tag = tag;
        this.file = file;
        this.fileKey = fileKey;
        this.arena = arena;
        this.segment = segment;
        this.capacity = capacity;
        this.verifies = verifies;
    }

    /**
     * Maps {@code tag}'s file read-only for a follower. The file's descriptor is closed at once
     * (the mapping stays valid), unless this JVM is the file's master, whose channel is used.
     * A link, a FIFO or anything else that is not a regular file is refused (RegionFiles.open).
     * Its reads check every copy's CRC-32.
     */
    public static ObjectRegion openReadOnly(String tag, Path file) throws IOException {
        return openReadOnly(tag, file, true);
    }

    /**
     * {@link #openReadOnly(String, Path)}, whose reads check the CRC-32 only if {@code verifies}
     * (FORMAT.md 5.2: a follower may skip it; the sequence number still excludes torn copies).
     */
    public static ObjectRegion openReadOnly(String tag, Path file, boolean verifies) throws IOException {
        synchronized (MasterLocks.MONITOR) {
            try {
                Object key;
                try {
                    key = fileKey(file);
                } catch (FileSystemException e) {
                    key = null; // missing, or e.g. the directory is a file: the open below says which
                }
                FileChannel held = key == null ? null : MasterLocks.held(key);
                if (held != null) {
                    return map(tag, file, key, held, false, verifies);
                }
                OpenFile opened = RegionFiles.open(file, false, "region " + tag);
                try (FileChannel ch = opened.detach()) {
                    return map(tag, file, opened.key(), ch, false, verifies);
                }
            } catch (NoSuchFileException e) {
                throw new RegionNotFoundException(tag, file.toString());
            } catch (AccessDeniedException e) {
                throw new AccessDeniedException(file.toString(), null, "no read permission on region " + tag
                        + " (or its directory); have its master create it with ShmOptions.FileMode.GROUP_READ and run in that group");
            }
        }
    }

    /** Maps {@code ch} (open on {@code file}) for its master, whose reads verify, and validates the header. */
    static ObjectRegion map(String tag, Path file, Object fileKey, FileChannel ch) throws IOException {
        return map(tag, file, fileKey, ch, true, true);
    }

    /** Maps {@code ch} (open on {@code file}) and validates the header ({@link RegionHeader#validate}). */
    private static ObjectRegion map(String tag, Path file, Object fileKey, FileChannel ch, boolean writable, boolean verifies)
            throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = RegionFiles.uninterruptibly(() -> ch.map(writable ? FileChannel.MapMode.READ_WRITE
                    : FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
            long capacity = RegionHeader.validate(tag, file, seg);
            return new ObjectRegion(tag, file, fileKey, arena, seg, capacity, verifies);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A region over {@code segment} (owned by {@code arena}), which holds a valid header and is no
     * file: how the jcstress tests (module shm4j-jcstress) race a writer and readers on fresh
     * memory many times a second.
     */
    static ObjectRegion inMemory(String tag, Arena arena, MemorySegment segment) {
        Path none = Path.of(tag);
        return new ObjectRegion(tag, none, null, arena, segment, RegionHeader.validate(tag, none, segment), true);
    }

    /** The file key (device and inode) the path names now; a link's own, not its target's. */
    static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    public String tag() {
        return tag;
    }

    public Path file() {
        return file;
    }

    /** Device and inode of the mapped file. */
    public Object fileKey() {
        return fileKey;
    }

    /** Payload bytes per slot. */
    public long capacity() {
        return capacity;
    }

    /** Whether reads check the CRC-32 of every copy. */
    public boolean verifies() {
        return verifies;
    }

    /** The length the header gives the file: what this mapping spans. */
    public long mappedLength() {
        return fileLength(capacity);
    }

    /** True once {@link #close()} unmapped this region: an access then throws {@link IllegalStateException}. */
    public boolean isUnmapped() {
        return !arena.scope().isAlive();
    }

    /**
     * The size of this mapping's file now, if the tag's path still names it (FORMAT.md 5.4: a
     * shrunk file); {@code -1} if the path names another file or none (the region moved).
     */
    public long sizeIfStillNamed() {
        return RegionFiles.sizeIfStillNamed(file, fileKey);
    }

    /**
     * The error for an access to this mapping that faulted ({@code cause}, the JVM's
     * {@link InternalError}) or failed its checks because the file is {@code size} bytes now,
     * shorter than the mapping; {@code next} says what happens next.
     */
    public RegionShrunkException shrunk(long size, Throwable cause, String next) {
        return new RegionShrunkException("region " + tag + " (" + file + "): the file shrank to " + size
                + " bytes under this process (its header says " + mappedLength() + "); " + next, cause);
    }

    /** The whole mapping (read-only for followers), for futex calls and inspection. */
    public MemorySegment segment() {
        return segment;
    }

    // ---- header fields ----

    public long committedAcquire() {
        return (long) LONG_HANDLE.getAcquire(segment, (long) COMMITTED_OFFSET);
    }

    /**
     * The committed version a new master continues from (FORMAT.md 5.3). A value of
     * {@code 2^63 - 1} or more (negative as a Java {@code long}) was never written by a master:
     * versions start at 1 and grow by one per publish.
     *
     * @throws CorruptRegionException if {@code committed} is out of that range
     */
    long committedToContinue() {
        long committed = committedAcquire();
        if (committed < 0 || committed == Long.MAX_VALUE) {
            throw RegionHeader.corrupt(tag, file, "has committed version " + Long.toUnsignedString(committed)
                    + ", which no master wrote (versions stay below 2^63 - 1)");
        }
        return committed;
    }

    public int flagsAcquire() {
        return (int) INT_HANDLE.getAcquire(segment, (long) FLAGS_OFFSET);
    }

    public boolean isSuperseded() {
        return (flagsAcquire() & FLAG_SUPERSEDED) != 0;
    }

    public int notifyAcquire() {
        return (int) INT_HANDLE.getAcquire(segment, (long) NOTIFY_OFFSET);
    }

    /** The side of waking a master of this mapping signals through (FORMAT.md 5.6). */
    public Notifier notifier(MasterWakeups wakeups) {
        return new Notifier(segment, NOTIFY_OFFSET, wakeups);
    }

    public long masterPid() {
        return segment.get(LONG, MASTER_PID_OFFSET);
    }

    public long masterStartMillis() {
        return segment.get(LONG, MASTER_START_OFFSET);
    }

    public long generation() {
        return segment.get(LONG, GENERATION_OFFSET);
    }

    public long createdMillis() {
        return segment.get(LONG, CREATED_OFFSET);
    }

    // ---- slots ----

    /** The raw fields of slot {@code index}, read without any consistency check (for inspection). */
    public SlotFields slotFields(int index) {
        long s = slotOffset(capacity, index);
        return new SlotFields(index, segment.get(LONG, s + SLOT_SEQ_OFFSET), segment.get(LONG, s + SLOT_VERSION_OFFSET),
                Integer.toUnsignedLong(segment.get(INT, s + SLOT_LENGTH_OFFSET)), segment.get(INT, s + SLOT_CONTENT_TYPE_OFFSET),
                segment.get(LONG, s + SLOT_PUBLISH_TIME_OFFSET), segment.get(INT, s + SLOT_CRC_OFFSET));
    }

    /** A slot's header fields as stored. */
    public record SlotFields(int index, long seq, long version, long length, int contentType, long publishTimeNanos, int crc32) {
    }

    /**
     * Where {@link #readCommitted(Sink)} copies a payload, and what it makes of a whole copy.
     *
     * @param <R> the result of a read
     */
    public interface Sink<R> {
        /** An array of at least {@code length} bytes to copy a payload into from index 0; asked on every attempt. */
        byte[] arrayFor(int length);

        /**
         * An array for {@link #readAhead}: one that a read-ahead may leave torn while the sink
         * still holds its version whole. By default {@link #arrayFor}'s.
         */
        default byte[] spareArrayFor(int length) {
            return arrayFor(length);
        }

        /** The checksum object to compute the copy's CRC-32 with; reset before each use. */
        CRC32 checksum();

        /** The read's result: {@code array}, the last one given, holds the whole, checked payload in {@code [0, length)}. */
        R accept(long version, long publishTimeNanos, ContentType contentType, byte[] array, int length);
    }

    /** Copies into a new array of the exact length per attempt. */
    static final Sink<Snapshot> NEW_SNAPSHOT = new Sink<>() {
        @Override
        public byte[] arrayFor(int length) {
            return new byte[length];
        }

        @Override
        public CRC32 checksum() {
            return new CRC32();
        }

        @Override
        public Snapshot accept(long version, long publishTimeNanos, ContentType contentType, byte[] array, int length) {
            return new Snapshot(version, publishTimeNanos, contentType, array);
        }
    };

    /**
     * The committed version as a whole snapshot (FORMAT.md 5.2), or {@code null} if nothing was
     * published yet; see {@link #readCommitted(Sink)}.
     */
    public Snapshot readCommitted() {
        return readCommitted(NEW_SNAPSHOT);
    }

    /**
     * Copies the committed version into {@code sink} (FORMAT.md 5.2) and returns what the sink
     * makes of it, or {@code null} if nothing was published yet. Retries while the master
     * overwrites the slot; throws {@link InconsistentSnapshotException} when the retry budget
     * runs out and {@link CorruptRegionException} when a stable slot fails its checks twice. The
     * sink's arrays may hold torn bytes after an attempt that failed; {@link Sink#accept} is
     * called only for a whole copy.
     */
    public <R> R readCommitted(Sink<R> sink) {
        long firstFailure = 0;
        // A slot that failed a check, as (committed, seq): failing again under the same pair is
        // not a race (the master moves committed before it rewrites a slot), so it is damage.
        long suspectVersion = 0;
        long suspectSeq = -1;
        for (int attempt = 0; ; attempt++) {
            long version = committedAcquire();
            if (version == 0) {
                return null;
            }
            // The slot by a branch, not by arithmetic on `version`: the CPU predicts the branch
            // (a follower that sees every version alternates) and loads the slot's lines while
            // `committed`'s line is still on its way, instead of after it arrives. The load in
            // each arm keeps the JIT from turning the branch into a conditional move, which
            // would depend on `version` again. Measured: one cross-core handoff less per read
            // (docs/BENCHMARKS.md, "The slot by a branch").
            long s;
            long seq1;
            if (slotIndex(version) == 0) {
                s = slotOffset(capacity, 0);
                seq1 = (long) LONG_HANDLE.getAcquire(segment, s + SLOT_SEQ_OFFSET);
            } else {
                s = slotOffset(capacity, 1);
                seq1 = (long) LONG_HANDLE.getAcquire(segment, s + SLOT_SEQ_OFFSET);
            }
            String problem = null; // a check that failed with seq stable: a race, or damage if it repeats
            if ((seq1 & 1) != 0) {
                // The master writes a slot only for the version after the next one, which it
                // starts after committing the next one: an odd seq under an unchanged committed
                // is no write in progress but damage.
                if (committedAcquire() == version) {
                    problem = "its sequence number is odd (mid-write) although it holds committed version "
                            + Long.toUnsignedString(version);
                }
            } else {
                long slotVersion = segment.get(LONG, s + SLOT_VERSION_OFFSET);
                int length = segment.get(INT, s + SLOT_LENGTH_OFFSET);
                int type = segment.get(INT, s + SLOT_CONTENT_TYPE_OFFSET);
                long time = segment.get(LONG, s + SLOT_PUBLISH_TIME_OFFSET);
                int crc = segment.get(INT, s + SLOT_CRC_OFFSET);
                boolean lengthOk = length >= 0 && length <= capacity;
                byte[] copy = lengthOk ? sink.arrayFor(length) : null;
                int copyCrc = lengthOk ? copyOut(s, copy, length, sink) : 0;
                // Load-load: the copy and fields above are read before seq is read again.
                VarHandle.acquireFence();
                long seq2 = (long) LONG_HANDLE.get(segment, s + SLOT_SEQ_OFFSET);
                if (seq1 == seq2) { // else a writer overwrote the slot during the copy: retry
                    ContentType contentType = ContentType.ofId(type);
                    boolean crcOk = !verifies || copyCrc == crc;
                    if (lengthOk && slotVersion == version && contentType != null && crcOk) {
                        return sink.accept(version, time, contentType, copy, length);
                    }
                    // A slot holding a newer version than committed named was reused before
                    // committed moved; that version may never be committed, so the next attempt
                    // re-reads committed. The master never rewrites the committed slot, so this
                    // cannot persist unless corrupt.
                    problem = describe(version, slotVersion, length, type, !crcOk);
                }
            }
            if (problem != null) {
                if (version == suspectVersion && seq1 == suspectSeq) { // failed twice: not a race
                    throw new CorruptRegionException("region " + tag + " (" + file + ") slot " + slotIndex(version)
                            + " is corrupt: " + problem + "; the master's next publish replaces it (or remove the region)");
                }
                suspectVersion = version;
                suspectSeq = seq1;
            }
            // Retry at once, never back off. Short of damage (caught above), an attempt fails
            // only because the master committed a newer version since `version` was loaded: it
            // rewrites a committed slot only for the version after the next (5.1). So the newest
            // slot is the one to read, and now, while it is stable. Yielding or parking here
            // would hand the core to other threads exactly while the master publishes: on a
            // busy machine only reads that overlap no publish would succeed, one new version per
            // scheduler slice (docs/BENCHMARKS.md, "Staleness under overload").
            if (attempt == 0) {
                firstFailure = System.nanoTime();
            } else if (System.nanoTime() - firstFailure > MAX_READ_NANOS) {
                throw new InconsistentSnapshotException("region " + tag + ": no whole snapshot after " + (attempt + 1)
                        + " attempts in " + MAX_READ_NANOS / 1_000_000_000 + " s; the master rewrote the slot during every"
                        + " copy. Nothing torn was returned; retry");
            }
        }
    }

    /**
     * Whether {@link #readAhead} would copy: {@code committed} is still {@code held} and the slot
     * of {@code held + 1} is whole (even seq) and holds that version. Loads only.
     */
    public boolean aheadReady(long held) {
        long s = slotOffset(capacity, slotIndex(held + 1));
        return (((long) LONG_HANDLE.getAcquire(segment, s + SLOT_SEQ_OFFSET)) & 1) == 0
                && segment.get(LONG, s + SLOT_VERSION_OFFSET) == held + 1 && committedAcquire() == held;
    }

    /** How long {@link #readAhead} waits for the commit after its copy. */
    static final long AHEAD_COMMIT_WAIT_NANOS = 1_000_000L;

    /**
     * Reads version {@code held + 1} ahead of its commit (FORMAT.md 5.2, "Reading ahead"), for a
     * waiting follower that holds {@code held}: if that version's slot is whole (seq even) while
     * {@code committed} is still {@code held}, copies it into {@link Sink#spareArrayFor}, waits
     * (spinning, at most {@link #AHEAD_COMMIT_WAIT_NANOS}) until {@code committed} names it, then
     * checks it as {@link #readCommitted(Sink)} does. The master stores the CRC-32 of a large
     * payload between the seq and the commit (5.1, "crc32 after the seq"), so the copy overlaps it.
     *
     * @return what the sink makes of the version, or {@code null} if nothing was read ahead (not
     *         ready, overtaken, no commit in time, or a check failed: the caller's next read of
     *         the committed version, the one place that judges damage, decides)
     */
    public <R> R readAhead(long held, Sink<R> sink) {
        return readAhead(held, sink, AHEAD_COMMIT_WAIT_NANOS);
    }

    /** {@link #readAhead(long, Sink)} waiting at most {@code commitWaitNanos} for the commit (tests wait longer). */
    <R> R readAhead(long held, Sink<R> sink, long commitWaitNanos) {
        long next = held + 1;
        long s = slotOffset(capacity, slotIndex(next));
        long seq1 = (long) LONG_HANDLE.getAcquire(segment, s + SLOT_SEQ_OFFSET);
        if ((seq1 & 1) != 0 || segment.get(LONG, s + SLOT_VERSION_OFFSET) != next || committedAcquire() != held) {
            return null;
        }
        int length = segment.get(INT, s + SLOT_LENGTH_OFFSET);
        ContentType contentType = ContentType.ofId(segment.get(INT, s + SLOT_CONTENT_TYPE_OFFSET));
        long time = segment.get(LONG, s + SLOT_PUBLISH_TIME_OFFSET);
        if (length < 0 || length > capacity || contentType == null) {
            return null;
        }
        byte[] copy = sink.spareArrayFor(length);
        int copyCrc = copyOut(s, copy, length, sink);
        // Load-load: the copy and fields are read before seq and committed are read again.
        VarHandle.acquireFence();
        if (!awaitCommit(held, s, seq1, commitWaitNanos)) {
            return null;
        }
        // After committed's acquire load: the master stored crc32 before its release store.
        int crc = segment.get(INT, s + SLOT_CRC_OFFSET);
        VarHandle.acquireFence();
        if ((long) LONG_HANDLE.get(segment, s + SLOT_SEQ_OFFSET) != seq1 || verifies && crc != copyCrc) {
            return null;
        }
        return sink.accept(next, time, contentType, copy, length);
    }

    /**
     * Spins until {@code committed} moves past {@code held}: true if it names {@code held + 1}
     * and the slot at {@code slot} still has seq {@code seq}; false if the slot changed, a newer
     * version was committed (the caller's normal read takes it), or no commit came within
     * {@code waitNanos} (the master is descheduled, or died between its seq and its commit).
     */
    private boolean awaitCommit(long held, long slot, long seq, long waitNanos) {
        long start = 0;
        for (int spins = 0; ; spins++) {
            long committed = committedAcquire();
            if (committed != held) {
                return committed == held + 1 && (long) LONG_HANDLE.get(segment, slot + SLOT_SEQ_OFFSET) == seq;
            }
            if ((long) LONG_HANDLE.get(segment, slot + SLOT_SEQ_OFFSET) != seq) {
                return false;
            }
            Thread.onSpinWait();
            if ((spins & 0xFF) == 0xFF) { // a clock read costs 26+ ns here: not on every spin
                long now = System.nanoTime();
                if (start == 0) {
                    start = now;
                } else if (now - start > waitNanos) {
                    return false;
                }
            }
        }
    }

    /**
     * The slot copy of a read: the {@code length} payload bytes of the slot at {@code slot} into
     * {@code copy}, and the CRC-32 of the copy, taken chunk by chunk as it is copied
     * ({@link CrcCopy}), or 0 without it where reads do not verify; worthless unless the caller
     * then finds seq unchanged.
     */
    private int copyOut(long slot, byte[] copy, int length, Sink<?> sink) {
        if (!verifies) {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, slot + SLOT_HEADER_LENGTH, copy, 0, length);
            return 0;
        }
        return CrcCopy.fromSegment(segment, slot + SLOT_HEADER_LENGTH, copy, length, sink.checksum());
    }

    /** What is wrong with a slot whose seq was stable, in the order FORMAT.md 5.2 checks. */
    private String describe(long committed, long slotVersion, int length, int type, boolean crcBad) {
        if (length < 0 || length > capacity) {
            return "length " + Integer.toUnsignedLong(length) + " exceeds slot capacity " + capacity;
        }
        if (slotVersion != committed) {
            return "holds version " + Long.toUnsignedString(slotVersion) + " where " + Long.toUnsignedString(committed) + " was committed";
        }
        if (ContentType.ofId(type) == null) {
            return "unknown content type " + Integer.toUnsignedString(type);
        }
        return crcBad ? "CRC-32 mismatch" : "inconsistent";
    }

    /** Unmaps. Threads still using this region get {@link IllegalStateException}, never a crash. */
    @Override
    public void close() {
        arena.close();
    }
}
