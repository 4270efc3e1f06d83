package io.shm4j.internal;

import io.shm4j.RegionShrunkException;
import io.shm4j.ShmOptions;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static io.shm4j.internal.FollowerRegistryDescriptor.*;

/**
 * A tag's follower registry, {@code <tag>~followers} (FORMAT.md 3.3): who follows the tag, the
 * newest version each has read, and which of them sleep in the kernel, so that a master wakes
 * only when a live follower sleeps and can tell when a version has reached every follower.
 *
 * <pre>{@code
 * // follower
 * FollowerRegistry registry = FollowerRegistry.open(regionFile, options, true);
 * FollowerRegistry.Entry me = registry.register("billing-worker");   // null if it may not
 * me.seen(version, publishMillis);   // after each new version read: two stores
 * me.asleep(); FUTEX_WAIT ...; me.awake();
 * // master or operator
 * List<FollowerRegistry.Record> all = registry.entries();   // reclaims entries of dead processes
 * }</pre>
 *
 * <p>Implementation notes.
 * <ul>
 * <li>Claiming and reclaiming entries take an exclusive fcntl lock on the header's 64 bytes (what
 * Java's {@link FileChannel#tryLock} and Python's {@code fcntl.lockf} take, so both languages
 * exclude each other); nothing else does. CPython has no compare-and-swap, and two reclaimers
 * racing with a claimer could otherwise free the claimer's new entry. Such a lock drops when the
 * process closes any descriptor of the file, so every open and close of a registry file in this
 * JVM happens under {@link #MONITOR}.</li>
 * <li>A follower's own entry is written by it alone, with plain and release stores (a
 * {@code mov} on x86-64): {@code seenAt} then {@code seenVersion} (release), so a reader that
 * loads the version with acquire sees a time at least as new, and a master that sees
 * {@code seenVersion >= v} knows the follower's copy of {@code v} is complete (its loads precede
 * the release store). No read path ever enters the kernel or reads the clock (a system call on
 * some virtual machines): {@code seenAt} is the version's publish time until the follower next
 * starts waiting, when it stamps the real time.</li>
 * <li>The asleep bitmap is changed only by atomic or / and-not (a locked instruction, a full
 * fence), the follower's half of Dekker's pattern with the master's notify store, fence and
 * bitmap load ({@link Notifier#signal()}). A bit is the whole truth about one entry, set and
 * cleared in one instruction, so no count can drift: a reclaimer clears the bit of a dead
 * entry and nothing else needs repair. Python sets bits through {@code FUTEX_WAKE_OP} with
 * {@code FUTEX_OP_OR}/{@code FUTEX_OP_ANDN}.</li>
 * <li>Several threads of one follower may sleep at once: the entry counts them in this process
 * and sets its bit while at least one sleeps.</li>
 * <li>The mapping belongs to an automatic arena, unmapped when no entry or registry object
 * refers to it, so a thread that stops waiting after its follower closed never touches
 * unmapped memory.</li>
 * </ul>
 */
public final class FollowerRegistry {
    private static final System.Logger LOG = System.getLogger("io.shm4j");
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    /** Guards every open and close of a registry file in this JVM (class notes). */
    private static final Object MONITOR = new Object();
    /** How long a claim or listing waits for the registry lock (held for microseconds) before giving up. */
    private static final long LOCK_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** What a follower that lost its entry to a shrunk file does, and what to do (Entry#lost). */
    private static final String UNREGISTERED = "this follower reads unregistered from now on (masters cannot list "
            + "it) and polls instead of sleeping in the kernel; remove the file (followers and masters recreate it) "
            + "and restart the follower to register again";

    private final Path file;
    /** Device and inode of the mapped file (null for fresh memory): tells it shrunk from replaced. */
    private final Object fileKey;
    private final MemorySegment segment;
    private final boolean writable;
    private final int capacity;

    /** Package-private for the jcstress tests (module shm4j-jcstress), which build one on fresh memory. */
    FollowerRegistry(Path file, Object fileKey, MemorySegment segment, boolean writable, int capacity) {
        this.file = file;
        this.fileKey = fileKey;
        this.segment = segment;
        this.writable = writable;
        this.capacity = capacity;
    }

    /** The registry file of the region file {@code regionFile}. */
    public static Path fileOf(Path regionFile) {
        return regionFile.resolveSibling(regionFile.getFileName() + FILE_SUFFIX);
    }

    /**
     * Maps the registry of {@code regionFile} read-write, creating it (whole, through a private
     * name and a link, as regions are) if {@code create} and it is missing.
     *
     * @throws IOException if it cannot be created or opened for writing, or is not a registry
     */
    public static FollowerRegistry open(Path regionFile, ShmOptions options, boolean create) throws IOException {
        Path file = fileOf(regionFile);
        for (int attempt = 0; ; attempt++) {
            try {
                return map(file, true);
            } catch (NoSuchFileException e) {
                if (!create || attempt > 0) {
                    throw e; // missing, or created and removed again at once
                }
                create(file, options);
            }
        }
    }

    /**
     * As {@link #open}, but null (after logging why and {@code consequence}) if it cannot be
     * used: the caller then follows unregistered.
     */
    public static FollowerRegistry openOrNull(Path regionFile, ShmOptions options, String consequence) {
        try {
            return open(regionFile, options, true);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "shm4j: cannot register in {0} ({1}); {2}",
                    fileOf(regionFile), e.toString(), consequence);
            return null;
        }
    }

    /**
     * The registry of {@code regionFile} for looking only (an operator's tool): read-write if
     * this process may write it (then dead entries are reclaimed), else (no write permission, a
     * read-only mount) read-only; null if there is none.
     *
     * @throws IOException if it exists but cannot be read or is not a registry
     */
    public static FollowerRegistry openToList(Path regionFile) throws IOException {
        Path file = fileOf(regionFile);
        try {
            try {
                return map(file, true);
            } catch (NoSuchFileException e) {
                throw e;
            } catch (FileSystemException e) { // no write permission, a read-only mount; else the read-only open says why
                return map(file, false);
            }
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void create(Path file, ShmOptions options) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(FORMAT_VERSION).putInt(ENTRY_LENGTH).putInt(CAPACITY).flip();
        synchronized (MONITOR) {
            RegionFiles.createHelperFile(file, FILE_LENGTH, options, header);
        }
    }

    private static FollowerRegistry map(Path file, boolean writable) throws IOException {
        synchronized (MONITOR) {
            OpenFile opened = RegionFiles.open(file, writable, "the follower registry");
            try (FileChannel ch = opened.detach()) {
                return RegionFiles.uninterruptibly(() -> {
                    long size = ch.size();
                    ByteBuffer header = RegionFiles.readFully(ch, ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN), 0);
                    int capacity = capacity(file, size, header);
                    MemorySegment seg = ch.map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY,
                            0, size, Arena.ofAuto());
                    return new FollowerRegistry(file, opened.key(), seg, writable, capacity);
                });
            }
        }
    }

    /** The capacity of a registry file of {@code size} bytes starting with {@code header}; throws if it is not one. */
    private static int capacity(Path file, long size, ByteBuffer header) throws IOException {
        String remedy = "; remove it (followers and masters recreate it)";
        if (header.remaining() < 20) {
            throw new IOException(file + " is " + size + " bytes, not a shm4j follower registry" + remedy);
        }
        byte[] magic = new byte[MAGIC.length];
        header.get(MAGIC_OFFSET, magic);
        if (!Arrays.equals(magic, MAGIC) || header.getInt(FORMAT_VERSION_OFFSET) != FORMAT_VERSION) {
            throw new IOException(file + " is not a shm4j follower registry of format version " + FORMAT_VERSION + remedy);
        }
        int entryLength = header.getInt(ENTRY_LENGTH_OFFSET);
        int capacity = header.getInt(CAPACITY_OFFSET);
        if (entryLength != ENTRY_LENGTH || capacity <= 0 || capacity % 32 != 0 || capacity > 32 * 16
                || size < ENTRIES_OFFSET + (long) capacity * ENTRY_LENGTH) {
            throw new IOException(file + " has a header out of range (entry length " + entryLength + ", capacity "
                    + capacity + ", " + size + " bytes)" + remedy);
        }
        return capacity;
    }

    /**
     * Claims a free entry for a follower of this process, reclaiming the entries of dead
     * processes on the way; null (after logging why) if the registry is full, its lock stays
     * taken or its file shrank: the follower then follows unregistered.
     */
    public Entry register(String name, int language) {
        byte[] nameBytes = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > NAME_LENGTH) {
            throw new IllegalArgumentException("follower name is " + nameBytes.length + " bytes of UTF-8; at most "
                    + NAME_LENGTH + " fit");
        }
        try {
            return guarded(() -> claim(nameBytes, language));
        } catch (RegionShrunkException e) {
            LOG.log(System.Logger.Level.WARNING, "shm4j: " + e.getMessage());
            return null;
        }
    }

    private Entry claim(byte[] nameBytes, int language) {
        long pid = Processes.selfPid();
        long start = Processes.selfStartMillis();
        List<Record> dead = dead(all());
        Integer claimed = locked(() -> {
            free(dead, null);
            for (int i = 0; i < capacity; i++) {
                long e = entryOffset(i);
                if ((long) LONG.getVolatile(segment, e + PID) == 0) {
                    segment.asSlice(e, ENTRY_LENGTH).fill((byte) 0);
                    LONG.set(segment, e + START, start);
                    LONG.set(segment, e + REGISTERED, System.currentTimeMillis());
                    INT.set(segment, e + LANGUAGE, language);
                    MemorySegment.copy(nameBytes, 0, segment, ValueLayout.JAVA_BYTE, e + NAME, nameBytes.length);
                    LONG.setRelease(segment, e + PID, pid); // last: a listed entry is whole
                    return i;
                }
            }
            return -1;
        });
        if (claimed == null || claimed < 0) {
            LOG.log(System.Logger.Level.INFO, "shm4j: {0}; this follower reads unregistered (masters cannot see it)",
                    claimed == null ? "the follower registry " + file + " stays locked" : "the follower registry " + file
                            + " is full (" + capacity + " followers)");
            return null;
        }
        return new Entry(this, claimed);
    }

    /**
     * Whether some entry's asleep bit is set: the master's load after its notify store and full
     * fence ({@link Notifier#signal()}). Volatile loads, so they are not hoisted.
     */
    public boolean anyAsleep() {
        for (int w = 0; w < capacity / 32; w++) {
            if ((int) INT.getVolatile(segment, (long) BITMAP_OFFSET + 4L * w) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reclaims the entries of dead processes whose asleep bit is set (what makes a master wake
     * needlessly), if this mapping may write and the lock is free now. For a master, rarely.
     *
     * @return how many it reclaimed
     */
    public int reclaimDeadSleepers() {
        if (!writable) {
            return 0;
        }
        List<Record> sleepers = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            Record r = asleepBit(i) ? read(i) : null;
            if (r != null) {
                sleepers.add(r);
            }
        }
        List<Record> dead = dead(sleepers);
        if (dead.isEmpty()) {
            return 0;
        }
        List<Record> freed = new ArrayList<>();
        lockedNow(() -> {
            free(dead, freed);
            return 0;
        });
        return freed.size();
    }

    /**
     * Every registered follower, in entry order. Entries of dead processes are reclaimed (if this
     * mapping may write) and listed once more with {@code alive} false.
     *
     * @throws RegionShrunkException if the file shrank under this mapping
     */
    public List<Record> entries() {
        return guarded(this::entriesNow);
    }

    private List<Record> entriesNow() {
        List<Record> all = all();
        List<Record> dead = dead(all);
        List<Record> freed = new ArrayList<>();
        if (writable && !dead.isEmpty()) {
            locked(() -> {
                free(dead, freed);
                return 0;
            });
        }
        List<Record> out = new ArrayList<>();
        for (Record r : all) {
            out.add(dead.contains(r) ? r.dead() : r);
        }
        return out;
    }

    /**
     * {@code records} as stored now, without checking liveness (cheap: memory loads only);
     * entries freed or taken by another follower since are left out.
     *
     * @throws RegionShrunkException if the file shrank under this mapping
     */
    public List<Record> peek(List<Record> records) {
        return guarded(() -> {
            List<Record> now = new ArrayList<>(records.size());
            for (Record r : records) {
                Record x = read(r.index);
                if (x != null && x.sameRegistration(r)) {
                    now.add(x);
                }
            }
            return now;
        });
    }

    /**
     * {@code body}, which touches the mapping; a fault there (the file shrank under it: the JVM's
     * {@link InternalError}, FaultPoint) as a {@link RegionShrunkException} naming the file.
     */
    private <R> R guarded(Supplier<R> body) {
        try {
            R r = body.get();
            FaultPoint.here();
            return r;
        } catch (InternalError fault) {
            throw shrunk(fault, "remove it (followers and masters recreate it) and restart the processes that map it"
                    + " to list and register again; meanwhile its masters wake on every publish, its followers read"
                    + " unregistered");
        }
    }

    /** Whether the file lost pages under this mapping: it is shorter, or was replaced (its size unknown). Cold: a system call. */
    boolean hasShrunk() {
        return RegionFiles.sizeIfStillNamed(file, fileKey) < segment.byteSize();
    }

    /** The error for a fault ({@code cause}) of this mapping, whose file shrank; {@code next}: what happens, what to do. */
    RegionShrunkException shrunk(Throwable cause, String next) {
        return RegionFiles.helperShrunk("the follower registry", file, fileKey, segment.byteSize(), cause, next);
    }

    /** Every entry in use, as stored now. */
    private List<Record> all() {
        List<Record> all = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            Record r = read(i);
            if (r != null) {
                all.add(r);
            }
        }
        return all;
    }

    /**
     * Those of {@code records} whose processes are dead: checked without the lock (reading
     * /proc is the slow part), since a dead process stays dead; {@link #free} re-checks under
     * the lock that each entry still holds the same registration.
     */
    private static List<Record> dead(List<Record> records) {
        List<Record> dead = new ArrayList<>();
        for (Record r : records) {
            if (!Processes.isAlive(r.pid, r.startMillis)) {
                dead.add(r);
            }
        }
        return dead;
    }

    /**
     * Frees the entries of {@code dead} that still hold the same registration (pid, start,
     * registered); holds the lock, so no claimer races. Adds those it freed to {@code freed}.
     */
    private void free(List<Record> dead, List<Record> freed) {
        for (Record r : dead) {
            Record now = read(r.index);
            if (now == null || !now.sameRegistration(r)) {
                continue; // freed or claimed again meanwhile
            }
            long e = entryOffset(r.index);
            INT.getAndBitwiseAnd(segment, (long) BITMAP_OFFSET + 4L * (r.index >>> 5), ~(1 << (r.index & 31)));
            segment.asSlice(e + 8, ENTRY_LENGTH - 8).fill((byte) 0);
            LONG.setRelease(segment, e + PID, 0L);
            if (freed != null) {
                freed.add(r);
            }
        }
    }

    private boolean asleepBit(int i) {
        return ((int) INT.getVolatile(segment, (long) BITMAP_OFFSET + 4L * (i >>> 5)) & (1 << (i & 31))) != 0;
    }

    /** Entry {@code i} as stored now, or null if free. */
    private Record read(int i) {
        long e = entryOffset(i);
        long pid = (long) LONG.getAcquire(segment, e + PID);
        if (pid == 0) {
            return null;
        }
        long seenVersion = (long) LONG.getAcquire(segment, e + SEEN_VERSION);
        byte[] name = segment.asSlice(e + NAME, NAME_LENGTH).toArray(ValueLayout.JAVA_BYTE);
        int nameLength = 0;
        while (nameLength < name.length && name[nameLength] != 0) {
            nameLength++;
        }
        int state = asleepBit(i) ? STATE_ASLEEP : (int) INT.getAcquire(segment, e + STATE);
        return new Record(i, pid, (long) LONG.get(segment, e + START), (long) LONG.get(segment, e + REGISTERED),
                (int) INT.get(segment, e + LANGUAGE), new String(name, 0, nameLength, StandardCharsets.UTF_8),
                seenVersion, (long) LONG.get(segment, e + SEEN_AT), state, true);
    }

    /** Runs {@code body} under the registry lock, waiting up to {@link #LOCK_WAIT_NANOS}; null if it stays taken. */
    private <R> R locked(LockedBody<R> body) {
        long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
        long park = 1_000;
        while (true) {
            R r = lockedNow(body);
            if (r != null || System.nanoTime() > deadline) {
                return r;
            }
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, 1_000_000);
        }
    }

    /** Runs {@code body} under the registry lock if it is free now; null if not (or on an I/O error, logged). */
    private <R> R lockedNow(LockedBody<R> body) {
        synchronized (MONITOR) {
            try (FileChannel ch = RegionFiles.open(file, true, "the follower registry").detach()) {
                FileLock lock;
                try {
                    lock = RegionFiles.uninterruptibly(() -> ch.tryLock(MAGIC_OFFSET, BITMAP_OFFSET, false));
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    return null;
                }
                try {
                    return body.run();
                } finally {
                    lock.release();
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "shm4j: cannot lock the follower registry {0} ({1})", file, e.toString());
                return null;
            }
        }
    }

    @FunctionalInterface
    private interface LockedBody<R> {
        R run();
    }

    /**
     * One registered follower as stored: who, what it has read, and how it waits.
     *
     * @param index        entry number in the file
     * @param pid          its process id
     * @param startMillis  its process's start, ms since the epoch (0 unknown)
     * @param registeredMillis when it registered
     * @param language     {@link FollowerRegistryDescriptor#LANGUAGE_JAVA} or {@code LANGUAGE_PYTHON} (others: unknown)
     * @param name         what it calls itself; empty if unnamed
     * @param seenVersion  the newest version it has read (0: none yet)
     * @param seenAtMillis when it read it (see the class notes), ms since the epoch; 0 unknown
     * @param state        one of the {@code STATE_} values
     * @param alive        false for an entry of a dead process (reclaimed while listing)
     */
    public record Record(int index, long pid, long startMillis, long registeredMillis, int language, String name,
                         long seenVersion, long seenAtMillis, int state, boolean alive) {
        Record dead() {
            return new Record(index, pid, startMillis, registeredMillis, language, name, seenVersion, seenAtMillis,
                    STATE_IDLE, false);
        }

        /** Whether {@code other} is the same registration (not a later one in the same entry). */
        boolean sameRegistration(Record other) {
            return index == other.index && pid == other.pid && startMillis == other.startMillis
                    && registeredMillis == other.registeredMillis;
        }
    }

    /**
     * A follower's own entry. {@link #seen} is the read path's only cost; the rest runs when the
     * follower waits. Thread-safe.
     *
     * <p>If the registry file shrinks under the mapping (another program truncated it), the
     * entry is lost: it stops touching the mapping, logs one warning, and the follower reads
     * unregistered; its waits poll, since a master may not see its asleep bit (FORMAT.md 5.6).
     * Each method here checks its own accesses ({@link FaultPoint}); {@link #seen}, on the read
     * path, leaves that to its caller's check of the read, which then calls {@link #lost}.
     */
    public static final class Entry {
        private final FollowerRegistry registry;
        private final int index;
        private final long offset;
        private final long bitmapWord;
        private final int bit;
        /** Threads of this follower asleep in the kernel now, with the bit set; guarded by this. */
        private int sleeping;
        /** Threads of this follower waiting at all; guarded by this. */
        private int waiting;
        /** The version whose read time was stamped with the clock; guarded by this. */
        private long stamped;
        /** Freed, or lost: the mapping is not touched any more. */
        private volatile boolean closed;

        /** Package-private for the jcstress tests; a follower gets its entry from {@link #register}. */
        Entry(FollowerRegistry registry, int index) {
            this.registry = registry;
            this.index = index;
            this.offset = entryOffset(index);
            this.bitmapWord = BITMAP_OFFSET + 4L * (index >>> 5);
            this.bit = 1 << (index & 31);
        }

        /** The entry number. */
        public int index() {
            return index;
        }

        /**
         * This follower has read {@code version}, published at {@code publishNanos} (ns since the
         * epoch): a plain store of the time, then a release store of the version. Call it inside
         * the {@code try} of the read, before its {@link FaultPoint#here()}, and pass a fault
         * there to {@link #lost}.
         */
        public void seen(long version, long publishNanos) {
            if (closed) {
                return; // freed: the entry may be another follower's now
            }
            LONG.set(registry.segment, offset + SEEN_AT, publishNanos / 1_000_000);
            LONG.setRelease(registry.segment, offset + SEEN_VERSION, version);
        }

        /**
         * After a fault of a read that called {@link #seen}: whether the registry file shrank
         * under this entry, which is then lost (class notes); false if the entry was freed or lost
         * before, or the file is whole (the fault was elsewhere). Cold: a system call.
         */
        public synchronized boolean lost(Throwable fault) {
            if (closed || !registry.hasShrunk()) {
                return false;
            }
            closed = true;
            warn(fault, UNREGISTERED);
            return true;
        }

        /**
         * After a fault of an access in this class: loses the entry if the file shrank, else
         * rethrows {@code fault}, which was pending from another mapping (the region's). Holds this.
         */
        private void lose(InternalError fault) {
            if (!lost(fault) && !closed) {
                throw fault;
            }
        }

        private void warn(Throwable fault, String next) {
            LOG.log(System.Logger.Level.WARNING, "shm4j: " + registry.shrunk(fault, next).getMessage());
        }

        /** A thread starts waiting for a new version (not yet in the kernel). */
        public synchronized void waiting() {
            if (closed) {
                return;
            }
            try {
                if (waiting++ == 0) {
                    INT.setRelease(registry.segment, offset + STATE, STATE_SPINNING);
                }
                long seen = (long) LONG.getAcquire(registry.segment, offset + SEEN_VERSION);
                if (seen != stamped) {
                    // The version was read before this wait: now is a close upper bound of when.
                    stamped = seen;
                    LONG.set(registry.segment, offset + SEEN_AT, System.currentTimeMillis());
                }
                FaultPoint.here();
            } catch (InternalError fault) {
                lose(fault);
            }
        }

        /**
         * A waiting thread is about to sleep in the kernel: sets this entry's bit (a full fence).
         *
         * @return whether the bit is set; false if the entry is freed or lost: then no master
         * knows to wake the thread, which must not sleep in the kernel
         */
        public synchronized boolean asleep() {
            if (closed) {
                return false;
            }
            if (sleeping == 0) {
                try {
                    INT.setRelease(registry.segment, offset + STATE, STATE_ASLEEP);
                    INT.getAndBitwiseOr(registry.segment, bitmapWord, bit);
                    FaultPoint.here();
                } catch (InternalError fault) {
                    lose(fault);
                    return false;
                }
            }
            sleeping++;
            return true;
        }

        /** A thread whose {@link #asleep} returned true no longer sleeps. */
        public synchronized void awake() {
            if (--sleeping == 0 && !closed) {
                try {
                    INT.getAndBitwiseAnd(registry.segment, bitmapWord, ~bit);
                    INT.setRelease(registry.segment, offset + STATE, STATE_SPINNING);
                    FaultPoint.here();
                } catch (InternalError fault) {
                    lose(fault);
                }
            }
        }

        /** A thread that called {@link #waiting} stopped waiting. */
        public synchronized void done() {
            if (--waiting == 0 && !closed) {
                try {
                    INT.setRelease(registry.segment, offset + STATE, STATE_IDLE);
                    FaultPoint.here();
                } catch (InternalError fault) {
                    lose(fault);
                }
            }
        }

        /** Frees the entry (the follower closes); waits still in progress stop touching it. */
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                INT.getAndBitwiseAnd(registry.segment, bitmapWord, ~bit);
                registry.segment.asSlice(offset + 8, ENTRY_LENGTH - 8).fill((byte) 0);
                LONG.setRelease(registry.segment, offset + PID, 0L);
                FaultPoint.here();
            } catch (InternalError fault) {
                if (registry.hasShrunk()) { // else pending from another mapping: close() throws no Error
                    warn(fault, "the entry of this follower, which closes, went with it");
                }
            }
        }
    }
}
