package io.shm4j.internal;

import io.shm4j.CorruptRegionException;
import io.shm4j.RegionNotFoundException;
import io.shm4j.RegionShrunkException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.shm4j.internal.ObjectRegionDescriptor.NOTIFY_OFFSET;

/**
 * The region a follower reads, followed from file to file: owns the current read-only mapping,
 * moves to the tag's new file when the master grows or relocates the region (FORMAT.md 5.4),
 * retires replaced mappings (unmapped once no thread waits on them), and waits for a change.
 * Thread-safe.
 *
 * <p>Three things can go wrong under a read, and each is told apart here, in {@link #recover}:
 * <ul>
 * <li>the mapping was swapped under a lock-free reader: the FFM API throws
 * {@link IllegalStateException} because the mapping is unmapped ({@link ObjectRegion#isUnmapped()});
 * the read is retried on the new mapping. An {@code IllegalStateException} from a mapping that is
 * still mapped is a bug and propagates;</li>
 * <li>the file shrank under the mapping (another program truncated it): the JVM reports the access
 * to a lost page as an {@link InternalError}, and the pages still mapped read as zeros, which the
 * slot checks report as damage. Either way the file's size decides: if the tag names another file
 * now (a master moved the region) the read moves there; else it is a {@link RegionShrunkException}
 * naming the file and its size. No {@code InternalError} leaves this class;</li>
 * <li>this region was closed: {@link IllegalStateException} "region T is closed".</li>
 * </ul>
 * A read that returns a new version records it in the follower's registry entry
 * ({@link FollowerRegistry.Entry#seen}) inside the same check, so a fault there is told apart
 * here too: if the registry file shrank, the entry is lost and the read retried
 * ({@link FollowerRegistry.Entry#lost}); the region is not blamed.
 * The JVM raises a fault's {@code InternalError} at its next safepoint poll, not at the access,
 * and a faulting load yields garbage until then: every access here is followed by
 * {@link FaultPoint#here()} inside its {@code try}, so a result is used only if no fault
 * happened while it was read.
 */
public final class FollowedRegion implements AutoCloseable {
    /** Least time between two reopenings while the tag still names a superseded file. */
    private static final long REOPEN_INTERVAL_NANOS = 1_000_000;

    /**
     * One read of a mapping, with an argument so that callers need not capture (and allocate).
     * A read that returns a new version records it with {@code entry} (FollowerRegistry.Entry#seen,
     * if not null), before the read's fault check.
     *
     * @param <A> the argument
     * @param <R> the result
     */
    @FunctionalInterface
    public interface Read<A, R> {
        R apply(ObjectRegion region, A argument, FollowerRegistry.Entry entry);
    }

    private final String tag;
    private final Path file;
    /** The follower's registry entry; null if unregistered. */
    private final FollowerRegistry.Entry entry;
    /** Called under this region's lock before readers can see a new file's mapping. */
    private final Runnable onMove;
    /** Threads inside {@link #awaitChange}; while > 0, replaced mappings are retired, not unmapped. */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Replaced mappings a waiting thread may still use; guarded by this. */
    private final List<ObjectRegion> retired = new ArrayList<>();
    private volatile ObjectRegion mapping;
    private volatile boolean closed;
    /** When the tag was last found still naming a superseded file; guarded by this. */
    private long lastReopenNanos;

    /**
     * @param onMove called, under this region's lock, when the region moved to another file and
     *               before readers can see its mapping: versions are numbered per file history,
     *               so caches keyed by version must be emptied
     * @param entry  the follower's registry entry, passed to each {@link Read}; null if unregistered
     */
    public FollowedRegion(String tag, Path file, ObjectRegion first, Runnable onMove, FollowerRegistry.Entry entry) {
        this.tag = tag;
        this.file = file;
        this.entry = entry;
        this.mapping = first;
        this.onMove = onMove;
    }

    /** The current mapping: read it before a cache keyed by version, then check with {@link #holds}. */
    public ObjectRegion mapping() {
        return mapping;
    }

    /**
     * The fast path's check: whether mapping {@code r} still holds {@code version} as its
     * committed version and is not superseded (two loads). {@code false} whenever in doubt
     * (closed, swapped, faulted): {@link #read} then tells which.
     */
    public static boolean holds(ObjectRegion r, long version) {
        try {
            boolean holds = r.committedAcquire() == version && !r.isSuperseded();
            FaultPoint.here();
            return holds;
        } catch (IllegalStateException | InternalError e) {
            return false;
        }
    }

    /**
     * Runs {@code read} on the current mapping without this region's lock (for a reader that
     * copies into its own buffer); falls back to {@link #read} when the mapping is superseded,
     * was swapped during the read, or the read failed.
     */
    public <A, R> R readUnlocked(Read<A, R> read, A argument) {
        ObjectRegion r = mapping;
        try {
            if (!r.isSuperseded()) {
                R result = read.apply(r, argument, entry);
                FaultPoint.here();
                return result;
            }
        } catch (IllegalStateException e) {
            if (!r.isUnmapped()) {
                throw e;
            } // swapped (or closed): read() retries on the new mapping or says closed
        } catch (InternalError | CorruptRegionException e) {
            // maybe shrunk: read() finds out under the lock
        }
        return read(read, argument);
    }

    /**
     * Runs {@code read} on the current mapping after following the tag if the mapping is
     * superseded (FORMAT.md 5.4), under this region's lock.
     *
     * @throws RegionShrunkException   if the file shrank under this process and no master moved the region yet
     * @throws CorruptRegionException  if the read found damage and the file is whole
     * @throws IllegalStateException   if this region is closed
     * @throws UncheckedIOException    if the tag names a new file that cannot be opened
     */
    public synchronized <A, R> R read(Read<A, R> read, A argument) {
        for (int attempt = 0; ; attempt++) {
            ObjectRegion r = mapping;
            try {
                r = follow(false);
                R result = read.apply(r, argument, entry);
                FaultPoint.here();
                return result;
            } catch (IllegalStateException | InternalError | CorruptRegionException e) {
                recover(r, e, attempt);
            }
        }
    }

    /** The newest committed version number, following the tag; 0 if nothing was published yet. */
    public long committed() {
        return readUnlocked(COMMITTED, null);
    }

    private static final Read<Void, Long> COMMITTED = (r, unused, entry) -> r.committedAcquire();

    /**
     * Returns normally if a read of {@code r} that failed with {@code e} may be retried (on a new
     * mapping); else throws what the failure means (class notes). Holds this region's lock.
     */
    private void recover(ObjectRegion r, Throwable e, int attempt) {
        ensureOpen();
        if (e instanceof IllegalStateException swapped) {
            if (r.isUnmapped()) {
                return; // swapped under a lock-free reader: retry on the current mapping
            }
            throw swapped; // a mapping still mapped does not throw this: a bug
        }
        if (e instanceof InternalError && entry != null && entry.lost(e)) {
            return; // the registry file shrank under Entry.seen: retry unregistered
        }
        long size = r.sizeIfStillNamed();
        if (size < 0) {
            if (attempt < 2) {
                follow(true); // a master moved the region (growth, or a shrunk file replaced)
                return;
            }
            if (e instanceof InternalError) {
                throw new RegionShrunkException("region " + tag + " (" + file + "): a file of it shrank under this "
                        + "process, and the tag named another file each time it was reopened; retry", e);
            }
            throw (CorruptRegionException) e;
        }
        if (size < r.mappedLength()) {
            throw r.shrunk(size, e, "nothing was read from it. A master moves the region to a new file on its next "
                    + "publish, and this follower follows it then");
        }
        if (e instanceof InternalError) {
            if (attempt < 2) {
                return; // shrunk and grown back in between: the checks of the retry decide
            }
            throw r.shrunk(size, e, "nothing was read from it");
        }
        throw (CorruptRegionException) e;
    }

    /**
     * The mapping to read, after moving to the tag's current file if this one is superseded (or
     * {@code force}: the region moved without the flag, as when a shrunk file is replaced);
     * holds this region's lock.
     */
    private ObjectRegion follow(boolean force) {
        ensureOpen();
        ObjectRegion r = mapping;
        if (!force && !r.isSuperseded()) {
            return r;
        }
        long now = System.nanoTime();
        if (!force && lastReopenNanos != 0 && now - lastReopenNanos < REOPEN_INTERVAL_NANOS) {
            return r; // the tag still named this file a moment ago: its last version is still current
        }
        lastReopenNanos = now;
        ObjectRegion next;
        try {
            next = ObjectRegion.openReadOnly(tag, file, r.verifies());
        } catch (RegionNotFoundException e) {
            // The tag was removed after the growth (FORMAT.md 5.4): as for a region removed without
            // growth, keep the last whole version of this file; a later read tries the tag again.
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("region " + tag + " was replaced but cannot be reopened: " + e.getMessage(), e);
        }
        if (next.fileKey().equals(r.fileKey())) {
            next.close(); // master died between flagging and renaming, or is renaming right now
            return r;
        }
        onMove.run();
        mapping = next;
        lastReopenNanos = 0;
        retired.add(r);
        closeRetired(); // unmaps r now unless a thread waits on it
        return next;
    }

    /**
     * For a waiter that spins first: checks the current mapping up to
     * {@link ChangeWaiter#QUICK_CHECKS} times, spinning between checks, whether it may hold a
     * version newer than {@code version} (or is superseded, or {@code waiter} closed, or, if
     * {@code ahead}, the next version can be read ahead: {@link ObjectRegion#aheadReady}); no
     * clock, no registry. {@code true} also when the mapping faulted or was unmapped: the caller's
     * next read then says why. {@code false} at once for a waiter that does not spin first.
     */
    public boolean changesSoon(long version, ChangeWaiter waiter, boolean ahead) {
        if (!waiter.spinsFirst()) {
            return false;
        }
        ObjectRegion r = mapping;
        try {
            for (int i = 0; i < ChangeWaiter.QUICK_CHECKS; i++) {
                // The flags too, though they share a line with `notify`, which the master stores
                // after every commit: without them here the read's own flags load fetches that line
                // on the way to every new version (1 KiB 1.03x slower; docs/BENCHMARKS.md, "The
                // flags off a spinning follower's path").
                if (r.committedAcquire() > version || r.isSuperseded() || waiter.isClosed() || ahead && r.aheadReady(version)) {
                    return true;
                }
                Thread.onSpinWait();
            }
            return false;
        } catch (IllegalStateException | InternalError e) {
            return true;
        }
    }

    /**
     * Sleeps with {@code waiter} on the current mapping's notify word until it may hold a version
     * newer than {@code version} (FORMAT.md 5.6), or, if {@code ahead}, the next version can be
     * read ahead ({@link ObjectRegion#aheadReady}), or {@code timeoutNanos} pass. Returns
     * {@link ChangeWaiter.Outcome#READY} also when the mapping faulted: the caller's next read
     * then says why.
     */
    public ChangeWaiter.Outcome awaitChange(long version, long timeoutNanos, ChangeWaiter waiter, boolean ahead)
            throws InterruptedException {
        waiting.incrementAndGet();
        try {
            // Read after the increment: a thread replacing the mapping from now on retires it.
            ObjectRegion r = mapping;
            BooleanSupplier news;
            if (r.isSuperseded()) {
                // The tag still named this file when it was last opened (the master is renaming,
                // or died before it could). Wake on its publish, its rename (which signals this
                // file after it) or a new master (which clears the flag and signals).
                news = () -> r.committedAcquire() > version || !r.isSuperseded() || r.sizeIfStillNamed() < 0;
            } else if (ahead) {
                news = () -> r.committedAcquire() > version || r.isSuperseded() || r.aheadReady(version);
            } else {
                news = () -> r.committedAcquire() > version || r.isSuperseded();
            }
            ChangeWaiter.Outcome outcome = waiter.await(r.segment(), NOTIFY_OFFSET, news, timeoutNanos);
            FaultPoint.here();
            return outcome;
        } catch (IllegalStateException e) {
            if (closed || waiter.isClosed()) {
                return ChangeWaiter.Outcome.CLOSED; // closed and unmapped under us
            }
            throw e;
        } catch (InternalError e) {
            return ChangeWaiter.Outcome.READY; // the file shrank: the next read says so
        } finally {
            if (waiting.decrementAndGet() == 0) {
                closeRetired();
            }
        }
    }

    private synchronized void closeRetired() {
        if (waiting.get() == 0) {
            retired.forEach(ObjectRegion::close);
            retired.clear();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("region " + tag + " is closed");
        }
    }

    /** Unmaps every mapping; call after every waiter left (its {@link ChangeWaiter} is closed). */
    @Override
    public synchronized void close() {
        closed = true;
        mapping.close();
        retired.forEach(ObjectRegion::close);
        retired.clear();
    }
}
