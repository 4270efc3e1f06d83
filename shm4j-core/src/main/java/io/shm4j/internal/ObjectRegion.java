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
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.*;

/**
 * One mapping of an object region file, with the memory-ordered accessors and the slot protocol
 * of {@code docs/FORMAT.md} section 5. Followers map read-only; only {@link ObjectRegionWriter}
 * maps read-write.
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
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_HANDLE = LONG.varHandle();
    private static final VarHandle INT_HANDLE = INT.varHandle();

    /** Failed read attempts before giving up; see FORMAT.md 5.2. */
    static final int MAX_READ_ATTEMPTS = 100_000;
    static final long MAX_READ_NANOS = 5_000_000_000L;

    private final String tag;
    private final Path file;
    private final Object fileKey;
    private final Arena arena;
    private final MemorySegment segment;
    private final long capacity;

    private ObjectRegion(String tag, Path file, Object fileKey, Arena arena, MemorySegment segment, long capacity) {
        this.tag = tag;
        this.file = file;
        this.fileKey = fileKey;
        this.arena = arena;
        this.segment = segment;
        this.capacity = capacity;
    }

    /**
     * Maps {@code tag}'s file read-only for a follower. The file's descriptor is closed at once
     * (the mapping stays valid), unless this JVM is the file's master, whose channel is used.
     * A link, a FIFO or anything else that is not a regular file is refused (RegionFiles.open).
     */
    public static ObjectRegion openReadOnly(String tag, Path file) throws IOException {
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
                    return map(tag, file, key, held, false);
                }
                OpenFile opened = RegionFiles.open(file, false, "region " + tag);
                try (FileChannel ch = opened.detach()) {
                    return map(tag, file, opened.key(), ch, false);
                }
            } catch (NoSuchFileException e) {
                throw new RegionNotFoundException(tag, file.toString());
            } catch (AccessDeniedException e) {
                throw new AccessDeniedException(file.toString(), null, "no read permission on region " + tag
                        + " (or its directory); have its master create it with ShmOptions.FileMode.GROUP_READ and run in that group");
            }
        }
    }

    /** Maps {@code ch} (open on {@code file}) and validates the header. */
    static ObjectRegion map(String tag, Path file, Object fileKey, FileChannel ch, boolean writable) throws IOException {
        long size = ch.size();
        if (size < HEADER_LENGTH) {
            throw corrupt(tag, file, "is truncated: " + size + " bytes, shorter than the " + HEADER_LENGTH + "-byte header");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = ch.map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long capacity = validate(tag, file, seg);
            return new ObjectRegion(tag, file, fileKey, arena, seg, capacity);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The file key (device and inode) the path names now; a link's own, not its target's. */
    static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** Checks FORMAT.md section 4 and returns the slot capacity. */
    private static long validate(String tag, Path file, MemorySegment seg) {
        byte[] magic = seg.asSlice(MAGIC_OFFSET, MAGIC.length).toArray(ValueLayout.JAVA_BYTE);
        if (!Arrays.equals(magic, MAGIC)) {
            throw corrupt(tag, file, "is not a shm4j object region (bad magic); it may be a raw region: use another tag");
        }
        int version = seg.get(INT, FORMAT_VERSION_OFFSET);
        if (version != FORMAT_VERSION) {
            // u32 and u64 fields print unsigned, as FORMAT.md types them (and as Python's reader prints them).
            throw new CorruptRegionException("region " + tag + " (" + file + ") has format version " + Integer.toUnsignedString(version)
                    + "; this shm4j reads version " + FORMAT_VERSION + ": use a matching shm4j or recreate the region");
        }
        int headerLength = seg.get(INT, HEADER_LENGTH_OFFSET);
        long capacity = seg.get(LONG, SLOT_CAPACITY_OFFSET);
        long fileLength = seg.get(LONG, FILE_LENGTH_OFFSET);
        if (headerLength != HEADER_LENGTH || capacity <= 0 || capacity % SLOT_ALIGNMENT != 0
                || capacity > Integer.MAX_VALUE || fileLength != fileLength(capacity)) {
            throw corrupt(tag, file, "has a header field out of range (headerLength " + Integer.toUnsignedString(headerLength)
                    + ", slotCapacity " + Long.toUnsignedString(capacity) + ", fileLength " + Long.toUnsignedString(fileLength) + ")");
        }
        if (seg.byteSize() < fileLength) {
            throw corrupt(tag, file, "is truncated: " + seg.byteSize() + " bytes, the header says " + fileLength);
        }
        return capacity;
    }

    private static CorruptRegionException corrupt(String tag, Path file, String what) {
        return new CorruptRegionException("region " + tag + " (" + file + ") " + what
                + "; nothing was read from it (remove it with `shm4j rm " + tag + "` once no process uses it)");
    }

    /** Writes a fresh header: no master yet, nothing committed. */
    static void initHeader(MemorySegment seg, long capacity, long createdMillis) {
        MemorySegment.copy(MAGIC, 0, seg, ValueLayout.JAVA_BYTE, MAGIC_OFFSET, MAGIC.length);
        seg.set(INT, FORMAT_VERSION_OFFSET, FORMAT_VERSION);
        seg.set(INT, HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        seg.set(LONG, SLOT_CAPACITY_OFFSET, capacity);
        seg.set(LONG, FILE_LENGTH_OFFSET, fileLength(capacity));
        seg.set(LONG, CREATED_OFFSET, createdMillis);
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
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            return fileKey.equals(now.fileKey()) ? now.size() : -1;
        } catch (IOException e) {
            return -1;
        }
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
            throw corrupt(tag, file, "has committed version " + Long.toUnsignedString(committed)
                    + ", which no master wrote (versions stay below 2^63 - 1)");
        }
        return committed;
    }

    void committedRelease(long version) {
        LONG_HANDLE.setRelease(segment, (long) COMMITTED_OFFSET, version);
    }

    public int flagsAcquire() {
        return (int) INT_HANDLE.getAcquire(segment, (long) FLAGS_OFFSET);
    }

    public boolean isSuperseded() {
        return (flagsAcquire() & FLAG_SUPERSEDED) != 0;
    }

    void flagsRelease(int flags) {
        INT_HANDLE.setRelease(segment, (long) FLAGS_OFFSET, flags);
    }

    public int notifyAcquire() {
        return (int) INT_HANDLE.getAcquire(segment, (long) NOTIFY_OFFSET);
    }

    /**
     * Tells waiters something changed (a publish, a supersede, a new master): {@code notify + 1}
     * (release), then a futex wake of every waiter on it (FORMAT.md 5.6).
     */
    /** Increments the notify word and wakes its kernel waiters; see {@link ChangeWaiter#signal}. */
    void signalChange(MasterWakeups wakeups) {
        ChangeWaiter.signal(segment, NOTIFY_OFFSET, wakeups);
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

    /** Records a new master: pid, start time, generation + 1. */
    void takeOver(long pid, long startMillis, long generation) {
        segment.set(LONG, MASTER_PID_OFFSET, pid);
        segment.set(LONG, MASTER_START_OFFSET, startMillis);
        LONG_HANDLE.setRelease(segment, (long) GENERATION_OFFSET, generation);
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
     * Writes {@code payload} as {@code version} into the slot that holds it (FORMAT.md 5.1), without
     * committing. The caller is the master, the only writer, and {@code version} is not the
     * committed version, so no follower is meant to be reading this slot.
     */
    void writeSlot(long version, ContentType type, byte[] payload, long publishTimeNanos, int crc) {
        long s = slotOffset(capacity, slotIndex(version));
        long seq = (long) LONG_HANDLE.get(segment, s + SLOT_SEQ_OFFSET);
        if ((seq & 1) == 0) {
            // Release: the previous publish's committed store is visible before this odd seq, so a
            // reader that sees the odd seq and loads committed again finds it moved on; an odd seq
            // under an unchanged committed is therefore damage (readCommitted, FORMAT.md 5.2).
            LONG_HANDLE.setRelease(segment, s + SLOT_SEQ_OFFSET, seq + 1);
        } // else: a master died writing this slot; it stays odd until this write completes.
        // The odd seq must be visible before any payload byte: a reader that sees new bytes then
        // sees a changed seq.
        VarHandle.releaseFence();
        MemorySegment.copy(payload, 0, segment, ValueLayout.JAVA_BYTE, s + SLOT_HEADER_LENGTH, payload.length);
        segment.set(LONG, s + SLOT_VERSION_OFFSET, version);
        segment.set(INT, s + SLOT_LENGTH_OFFSET, payload.length);
        segment.set(INT, s + SLOT_CONTENT_TYPE_OFFSET, type.id());
        segment.set(LONG, s + SLOT_PUBLISH_TIME_OFFSET, publishTimeNanos);
        segment.set(INT, s + SLOT_CRC_OFFSET, crc);
        // Release: every byte above is visible before the even seq.
        LONG_HANDLE.setRelease(segment, s + SLOT_SEQ_OFFSET, (seq | 1) + 1);
    }

    /**
     * Where {@link #readCommitted(Sink)} copies a payload, and what it makes of a whole copy.
     *
     * @param <R> the result of a read
     */
    public interface Sink<R> {
        /** An array of at least {@code length} bytes to copy a payload into from index 0; asked on every attempt. */
        byte[] arrayFor(int length);

        /** The checksum object to compute the copy's CRC-32 with; reset before each use. */
        CRC32 checksum();

        /** The read's result: {@code array}, the last one given, holds the whole, checked payload in {@code [0, length)}. */
        R accept(long version, long publishTimeNanos, ContentType contentType, byte[] array, int length);
    }

    /** Copies into a new array of the exact length per attempt. */
    private static final Sink<Snapshot> NEW_SNAPSHOT = new Sink<>() {
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
        long started = 0;
        // A slot that failed a check, as (committed, seq): failing again under the same pair is
        // not a race (the master moves committed before it rewrites a slot), so it is damage.
        long suspectVersion = 0;
        long suspectSeq = -1;
        for (int attempt = 0; ; attempt++) {
            long version = committedAcquire();
            if (version == 0) {
                return null;
            }
            long s = slotOffset(capacity, slotIndex(version));
            long seq1 = (long) LONG_HANDLE.getAcquire(segment, s + SLOT_SEQ_OFFSET);
            if ((seq1 & 1) != 0 && committedAcquire() == version) {
                // The master writes a slot only for the version after the next one, which it
                // starts after committing the next one: an odd seq under an unchanged committed
                // is no write in progress but damage. Twice, as below, before saying so.
                if (version == suspectVersion && seq1 == suspectSeq) {
                    throw new CorruptRegionException("region " + tag + " (" + file + ") slot " + slotIndex(version)
                            + " is corrupt: its sequence number is odd (mid-write) although it holds committed version "
                            + Long.toUnsignedString(version) + "; the master's next publish replaces it (or remove the region)");
                }
                suspectVersion = version;
                suspectSeq = seq1;
            } else if ((seq1 & 1) == 0) {
                long slotVersion = segment.get(LONG, s + SLOT_VERSION_OFFSET);
                int length = segment.get(INT, s + SLOT_LENGTH_OFFSET);
                int type = segment.get(INT, s + SLOT_CONTENT_TYPE_OFFSET);
                long time = segment.get(LONG, s + SLOT_PUBLISH_TIME_OFFSET);
                int crc = segment.get(INT, s + SLOT_CRC_OFFSET);
                boolean lengthOk = length >= 0 && length <= capacity;
                byte[] copy = lengthOk ? sink.arrayFor(length) : null;
                if (lengthOk) {
                    MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, s + SLOT_HEADER_LENGTH, copy, 0, length);
                }
                // Load-load: the copy and fields above are read before seq is read again.
                VarHandle.acquireFence();
                long seq2 = (long) LONG_HANDLE.get(segment, s + SLOT_SEQ_OFFSET);
                // A slot holding a newer version than committed named was reused before committed
                // moved; that version may never be committed, so re-read committed (next attempt).
                // The master never rewrites the committed slot, so this cannot persist unless corrupt.
                if (seq1 == seq2) {
                    ContentType contentType = ContentType.ofId(type);
                    if (lengthOk && slotVersion == version && contentType != null && crc32(sink.checksum(), copy, length) == crc) {
                        return sink.accept(version, time, contentType, copy, length);
                    }
                    if (version == suspectVersion && seq1 == suspectSeq) { // failed twice: not a race
                        throw new CorruptRegionException("region " + tag + " (" + file + ") slot " + slotIndex(version)
                                + " is corrupt: " + describe(version, slotVersion, length, type, lengthOk && crc32(sink.checksum(), copy, length) != crc)
                                + "; the master's next publish replaces it (or remove the region)");
                    }
                    suspectVersion = version;
                    suspectSeq = seq1;
                }
            }
            if (attempt >= 256) {
                if (started == 0) {
                    started = System.nanoTime();
                } else if (attempt >= MAX_READ_ATTEMPTS || System.nanoTime() - started > MAX_READ_NANOS) {
                    throw new InconsistentSnapshotException("region " + tag + ": no whole snapshot after " + attempt
                            + " attempts; the master rewrote the slot during every copy. Nothing torn was returned; retry");
                }
            }
            backOff(attempt);
        }
    }

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

    /** Spin briefly, then yield, then park with growing pauses up to 1 ms. */
    private static void backOff(int attempt) {
        if (attempt < 64) {
            Thread.onSpinWait();
        } else if (attempt < 256) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(Math.min(1_000_000L, 1_000L << Math.min(10, (attempt - 256) / 16)));
        }
    }

    static int crc32(byte[] bytes) {
        return crc32(new CRC32(), bytes, bytes.length);
    }

    private static int crc32(CRC32 crc, byte[] bytes, int length) {
        crc.reset();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    /** Unmaps. Threads still using this region get {@link IllegalStateException}, never a crash. */
    @Override
    public void close() {
        arena.close();
    }
}
