package io.shm4j;

import io.shm4j.internal.ChangeWaiter;
import io.shm4j.internal.FollowedRegion;
import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.FollowerRegistryDescriptor;
import io.shm4j.internal.ObjectRegion;
import io.shm4j.internal.ObjectRegionDescriptor;
import io.shm4j.internal.Sleepers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A read-only view of a shared object: always the newest whole version. The region file is opened
 * read-only and mapped read-only, so a follower cannot write shared memory and needs only read
 * permission. Create one with {@link SharedObject#follower}. Thread-safe.
 *
 * <pre>{@code
 * try (SharedObjectFollower<Config> config = SharedObject.follower("config", Config.class)) {
 *     Config c = config.get();          // decoded once per new version, then cached
 *     config.readNewer(buffer);         // or the raw bytes, into a SnapshotBuffer you reuse
 *     if (config.hasNewer(seen)) { ... }
 *     Optional<Snapshot> next = config.awaitNewer(seen, Duration.ofSeconds(5)); // sleeps until a publish
 * }
 * // or: a background thread hands each new version to a listener
 * Subscription s = config.subscribe((snapshot, c) -> apply(c));
 * }</pre>
 *
 * <p>Implementation notes. {@link #get()} with no new version costs two loads of the mapped
 * header (committed, acquire; flags) and a compare: the decoded value is cached with its
 * version. A new version is copied once under this follower's lock (FORMAT.md 5.2) and decoded
 * once: JSON and text from an array the follower reuses, other codecs from a new array they may
 * keep. {@link #readNewer(SnapshotBuffer)} copies into the caller's buffer without the lock.
 * When the master grows the region it flags this file SUPERSEDED; the follower then opens the
 * tag again (at most once a millisecond while the tag still names the old file) and swaps
 * mappings; a thread still reading the old mapping sees it closed and retries on the new one.
 * A file that shrinks under this process (another program truncated it) makes reads throw
 * {@link RegionShrunkException}, never the JVM's {@link InternalError}, until a master moves the
 * region to a new file, which the follower then follows (FORMAT.md 5.4). A truncated registry
 * or sleepers file ({@code TAG~followers}, {@code TAG~sleepers}) costs no read: the follower
 * logs a warning, reads on unregistered (its master cannot list it) and polls instead of
 * sleeping in the kernel (FORMAT.md 3.3, 5.6).
 *
 * <p>Waiting ({@link #awaitNewer}, {@link #subscribe}) uses the {@link WaitStrategy} of the
 * options (a {@link ChangeWaiter} on the header's notify word; FORMAT.md 5.6). A mapping that a
 * thread is waiting on is not unmapped when the follower moves to a grown file: a thread in a
 * kernel wait holds it, so it is retired and unmapped when the last waiter leaves. The master
 * wakes the old file's waiters after the rename, so they move to the new file at once. A waiter
 * does not care whether a master is alive: a master that dies leaves it waiting (up to its
 * timeout) until a new master takes the region and publishes.
 *
 * @param <T> the object type
 */
public final class SharedObjectFollower<T> implements AutoCloseable {
    private static final long SUBSCRIPTION_RETRY_MILLIS = 100;
    private static final System.Logger LOG = System.getLogger("io.shm4j");

    private final String tag;
    private final ObjectCodec<T> codec;
    private final ChangeWaiter waiter;
    /** This follower's entry in the tag's follower registry; null if unregistered. */
    private final FollowerRegistry.Entry entry;
    /** The tag's legacy sleepers file, for kernel waits; null if unusable. */
    private final Sleepers legacy;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
    /** The codec, if it decodes in place from {@link #scratch}; else {@code null}. */
    private final ObjectCodecs.RangeDecoder<T> inPlace;
    /** Where {@link #get()} copies new versions for {@link #inPlace}; guarded by this. */
    private final SnapshotBuffer scratch = new SnapshotBuffer();
    /** The mapping {@link #scratch} was filled from; guarded by this. */
    private ObjectRegion scratchFrom;
    private final FollowedRegion region;
    private volatile Snapshot snapshot;
    private volatile Decoded<T> decoded;
    private volatile boolean closed;

    private record Decoded<T>(long version, T value) {
    }

    /**
     * What {@link #subscribe} calls with each new version.
     *
     * @param <T> the object type
     */
    @FunctionalInterface
    public interface Listener<T> {
        /** Called on the subscription's thread with a new version and its decoded value. */
        void onVersion(Snapshot snapshot, T value);
    }

    SharedObjectFollower(String tag, Path file, ObjectCodec<T> codec, ObjectRegion region, ShmOptions options) {
        this.tag = tag;
        this.codec = codec;
        this.inPlace = rangeDecoder(codec);
        this.entry = register(file, options);
        this.region = new FollowedRegion(tag, file, region, this::forgetVersions, entry);
        WaitStrategy strategy = options.waitStrategy();
        this.legacy = entry != null && ChangeWaiter.sleepsInKernel(strategy)
                ? Sleepers.openOrNull(file, options, false, "followers of " + tag + " poll with BACKOFF instead of sleeping")
                : null;
        this.waiter = ChangeWaiter.create(strategy, options.idleStrategy(), entry, legacy);
    }

    /** Registers in the tag's follower registry (FORMAT.md 3.3); null if this process may not. */
    private static FollowerRegistry.Entry register(Path file, ShmOptions options) {
        FollowerRegistry registry = FollowerRegistry.openOrNull(file, options,
                "this follower reads unregistered (its master cannot see it, and it polls instead of sleeping)");
        return registry == null ? null : registry.register(options.followerName(), FollowerRegistryDescriptor.LANGUAGE_JAVA);
    }

    /**
     * Records a version read in the registry: two stores, no system call (FollowerRegistry).
     * Called inside a {@link FollowedRegion.Read}, whose fault check covers the stores.
     */
    private static void seen(FollowerRegistry.Entry entry, long version, long publishTimeNanos) {
        if (entry != null && version != 0) {
            entry.seen(version, publishTimeNanos);
        }
    }

    /**
     * The newest version, decoded; {@code null} if nothing was published yet. Returns the cached
     * object while the version is unchanged (do not modify it).
     *
     * @throws CodecException        if the payload is not a valid {@code T}
     * @throws RegionShrunkException  if the file shrank under this process (class notes)
     */
    public T get() {
        // The mapping before the cache: a switch to another file empties the cache first.
        ObjectRegion r = region.mapping();
        Decoded<T> d = decoded;
        if (d != null && FollowedRegion.holds(r, d.version)) {
            return d.value;
        }
        return decodeNewest();
    }

    @SuppressWarnings("unchecked")
    private static <T> ObjectCodecs.RangeDecoder<T> rangeDecoder(ObjectCodec<T> codec) {
        return codec instanceof ObjectCodecs.RangeDecoder<?> d ? (ObjectCodecs.RangeDecoder<T>) d : null;
    }

    /**
     * The newest version decoded, once per version: copied into {@link #scratch} and decoded
     * there if the codec can, else read as a snapshot whose array the decoded value may keep.
     */
    private synchronized T decodeNewest() {
        if (inPlace == null) {
            Snapshot s = refresh();
            return s == null ? null : decode(s);
        }
        region.read(SharedObjectFollower::copyNewestToScratch, this);
        long version = scratch.version();
        if (version == 0) {
            return null;
        }
        Decoded<T> d = decoded;
        if (d != null && d.version == version) {
            return d.value;
        }
        try {
            return remember(version, inPlace.decode(scratch.array(), 0, scratch.length()));
        } catch (CodecException e) {
            throw undecodable(version, e);
        }
    }

    /** {@code s} decoded, once per version: subscriptions' counterpart of {@link #decodeNewest()}. */
    private synchronized T decode(Snapshot s) {
        Decoded<T> d = decoded;
        if (d != null && d.version == s.version()) {
            return d.value;
        }
        try {
            return remember(s.version(), codec.decode(s.payload()));
        } catch (CodecException e) {
            throw undecodable(s.version(), e);
        }
    }

    /** The codec's refusal, naming the region and version as every shm4j error does. */
    private CodecException undecodable(long version, CodecException e) {
        return new CodecException("region " + tag + " version " + Long.toUnsignedString(version) + ": " + e.getMessage()
                + "; its master must publish a valid value", e);
    }

    /** Caches {@code value} as the decoded {@code version} unless a newer one is cached; holds this follower's lock. */
    private T remember(long version, T value) {
        Decoded<T> d = decoded;
        if (d == null || d.version < version) {
            decoded = new Decoded<>(version, value);
        }
        return value;
    }

    /** The newest version as a whole snapshot (raw bytes and metadata), or {@code null} if none yet. */
    public Snapshot snapshot() {
        ObjectRegion r = region.mapping(); // before the cache, as in get()
        Snapshot s = snapshot;
        if (s != null && FollowedRegion.holds(r, s.version())) {
            return s;
        }
        synchronized (this) {
            return refresh();
        }
    }

    /**
     * Copies the newest version into {@code buffer} unless the buffer holds it already: the
     * allocation-free form of {@link #snapshot()}, with its guarantees (one whole version, copied
     * between two equal readings of the slot's sequence number and CRC-checked; bounded retries;
     * follows the region when it grows). Allocates nothing unless the payload is longer than the
     * buffer's array, which then grows.
     *
     * <pre>{@code
     * SnapshotBuffer buffer = new SnapshotBuffer(64 * 1024);   // one per thread, reused
     * if (follower.readNewer(buffer)) {
     *     out.write(buffer.array(), 0, buffer.length());        // version buffer.version()
     * }
     * }</pre>
     *
     * @return {@code true} if a version was copied; {@code false}, leaving the buffer unchanged,
     * if it holds the newest version already or nothing was published yet
     * @throws InconsistentSnapshotException if no whole copy succeeds within the retry budget
     *                                       (the buffer is then empty)
     * @throws CorruptRegionException        if the committed slot is corrupt (the buffer is then empty)
     * @throws IllegalStateException         if this follower is closed
     */
    public boolean readNewer(SnapshotBuffer buffer) {
        return region.readUnlocked(SharedObjectFollower::copyNewest, buffer);
    }

    /**
     * Versions are numbered per history: a tag removed and created again starts over, so the
     * caches, keyed by version, are emptied when the region moves to another file, before
     * readers can see the new mapping ({@link FollowedRegion} calls this).
     */
    private void forgetVersions() {
        decoded = null;
        snapshot = null;
    }

    /** {@link #copyNewest} into {@link #scratch}, emptied first if it was filled from another file; holds this follower's lock. */
    private static boolean copyNewestToScratch(ObjectRegion r, SharedObjectFollower<?> f, FollowerRegistry.Entry entry) {
        if (f.scratchFrom != r) {
            f.scratch.clear();
            f.scratchFrom = r;
        }
        return copyNewest(r, f.scratch, entry);
    }

    /** Copies {@code r}'s newest version into {@code buffer} unless it holds it already, and records it with {@code entry}. */
    private static boolean copyNewest(ObjectRegion r, SnapshotBuffer buffer, FollowerRegistry.Entry entry) {
        if (r.committedAcquire() == buffer.version() || r.readCommitted(buffer.sink()) == null) {
            return false;
        }
        seen(entry, buffer.version(), buffer.publishTimeNanos());
        return true;
    }

    /** The newest committed version number, 0 if nothing was published yet. */
    public long version() {
        return region.committed();
    }

    /** Whether a version newer than {@code version} exists. */
    public boolean hasNewer(long version) {
        return version() > version;
    }

    /**
     * Returns the newest snapshot as soon as its version number is greater than {@code version}:
     * at once if it is already, else when a publish makes it so; empty once {@code timeout} has
     * passed without that. Versions published in between are skipped. The contract is on the
     * number: a snapshot returned always has {@code version() > version}. Sleeps as this
     * follower's {@link WaitStrategy} says; keeps waiting if the master dies (a new master's
     * publish wakes it); follows the region to a new file. Allocates the snapshot it returns.
     *
     * <pre>{@code
     * long seen = 0;
     * while (running) {
     *     Optional<Snapshot> next = follower.awaitNewer(seen, Duration.ofSeconds(1));
     *     if (next.isPresent()) {
     *         seen = next.get().version();
     *         ...
     *     }
     * }
     * }</pre>
     *
     * @throws IllegalStateException if this follower is or gets closed
     * @throws InterruptedException  if the thread is interrupted while waiting (with a kernel-waiting
     *                               strategy noticed within 1 s, or the {@code shm4j.blockSliceMillis}
     *                               system property)
     */
    public Optional<Snapshot> awaitNewer(long version, Duration timeout) throws InterruptedException {
        Snapshot s = awaitNewer(version, nanos(timeout), waiter);
        if (s == null) {
            ensureOpen();
        }
        return Optional.ofNullable(s);
    }

    /**
     * Copies the committed version into {@code buffer} as soon as it is not the one the buffer
     * holds (an empty buffer holds none): at once if so already, else when a publish makes it
     * so; {@code false}, the buffer unchanged, once {@code timeout} has passed without that. The
     * contract is on the buffer, as {@link #readNewer}'s: the copy is normally a newer version,
     * and a lower one only if the tag was removed and created again (its versions start over).
     * Sleeps as {@link #awaitNewer(long, Duration)} does; allocates nothing unless the payload
     * outgrows the buffer's arrays. Once the buffer holds a version of 16 KiB or more, it copies
     * the next version as soon as the master has written it, into a second array, while the
     * master still computes its CRC-32, and returns it when the master commits it (FORMAT.md 5.2,
     * "Reading ahead"): one CRC-32 less between the publish and this return.
     *
     * <pre>{@code
     * SnapshotBuffer buffer = new SnapshotBuffer();
     * while (running) {
     *     if (follower.awaitNewer(buffer, Duration.ofSeconds(1))) {
     *         handle(buffer.array(), buffer.length());     // version buffer.version()
     *     }
     * }
     * }</pre>
     *
     * @return {@code true} if a newer version was copied, {@code false} on timeout
     * @throws IllegalStateException if this follower is or gets closed
     * @throws InterruptedException  as {@link #awaitNewer(long, Duration)}
     */
    public boolean awaitNewer(SnapshotBuffer buffer, Duration timeout) throws InterruptedException {
        // Large versions are read ahead of their commit (FORMAT.md 5.2), unless a read-ahead gave
        // up in this call (the master may have died between its seq and its commit): from then
        // on the commit alone wakes this wait, so a sleeping strategy sleeps.
        boolean ahead = buffer.length() >= ObjectRegionDescriptor.CRC_AFTER_SEQ_FROM;
        if (readNewer(buffer)) {
            return true;
        }
        if (region.changesSoon(buffer.version(), waiter, ahead)) {
            Next next = readNext(buffer, ahead);
            if (next == Next.READ) {
                return true; // the clock is read only by a wait that outlasts the quick checks
            }
            ahead &= next != Next.GAVE_UP;
        }
        long timeoutNanos = nanos(timeout);
        long start = System.nanoTime();
        while (true) {
            Next next = readNext(buffer, ahead);
            if (next == Next.READ) {
                return true;
            }
            ahead &= next != Next.GAVE_UP;
            long left = timeoutNanos - (System.nanoTime() - start);
            if (left <= 0 || region.awaitChange(buffer.version(), left, waiter, ahead) == ChangeWaiter.Outcome.CLOSED) {
                ensureOpen();
                return false;
            }
        }
    }

    /** What {@link #readNext} found. */
    private enum Next {
        /** A newer version is in the buffer. */
        READ,
        /** Nothing newer, and nothing to read ahead. */
        NOTHING,
        /** A read-ahead copied the next version but returned nothing ({@link ObjectRegion#readAhead}). */
        GAVE_UP
    }

    /** {@link #readNewer}, else, if {@code ahead}, the next version read ahead of its commit. */
    private Next readNext(SnapshotBuffer buffer, boolean ahead) {
        if (readNewer(buffer)) {
            return Next.READ;
        }
        return ahead ? region.readUnlocked(SharedObjectFollower::copyAhead, buffer) : Next.NOTHING;
    }

    /** Copies {@code r}'s next version into {@code buffer} ahead of its commit, if its slot is whole, and records it with {@code entry}. */
    private static Next copyAhead(ObjectRegion r, SnapshotBuffer buffer, FollowerRegistry.Entry entry) {
        if (!r.aheadReady(buffer.version())) {
            return Next.NOTHING;
        }
        if (r.readAhead(buffer.version(), buffer.sink()) == null) {
            return Next.GAVE_UP;
        }
        seen(entry, buffer.version(), buffer.publishTimeNanos());
        return Next.READ;
    }

    private static long nanos(Duration timeout) {
        try {
            return Math.max(0, timeout.toNanos());
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Starts a background thread that calls {@code listener} with the current version (if any)
     * and then with each new version, in version order. A listener that is slower than the
     * master skips versions and always moves on to the newest: the common need of configuration
     * readers. The thread waits with this follower's {@link WaitStrategy}. An exception from the
     * listener, or a version that does not decode, is logged and the next version delivered.
     *
     * <pre>{@code
     * try (Subscription s = follower.subscribe((snapshot, config) -> apply(config))) {
     *     ...
     * }
     * }</pre>
     *
     * @return the handle whose {@link Subscription#close()} stops the thread; closing this
     * follower stops it too
     */
    public Subscription subscribe(Listener<? super T> listener) {
        Objects.requireNonNull(listener, "listener");
        ensureOpen();
        ChangeWaiter subscriptionWaiter = ChangeWaiter.create(waiter.requested(), waiter.idleStrategy(), entry, legacy);
        Subscription subscription = new Subscription(tag, subscriptionWaiter, subscriptions::remove,
                () -> deliver(listener, subscriptionWaiter));
        subscriptions.add(subscription);
        subscription.start();
        if (closed) {
            subscription.close();
        }
        return subscription;
    }

    private void deliver(Listener<? super T> listener, ChangeWaiter subscriptionWaiter) {
        long seen = 0;
        while (!subscriptionWaiter.isClosed()) {
            Snapshot s;
            try {
                s = awaitNewer(seen, Long.MAX_VALUE, subscriptionWaiter);
            } catch (InterruptedException | IllegalStateException e) {
                return; // interrupted, or the follower was closed
            } catch (RuntimeException e) {
                // unreadable for now (e.g. corrupt, or the grown file cannot be opened): retry later
                LOG.log(System.Logger.Level.WARNING, "region " + tag + ": a subscription cannot read it ("
                        + e.getMessage() + "); retrying in " + SUBSCRIPTION_RETRY_MILLIS + " ms");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SUBSCRIPTION_RETRY_MILLIS));
                continue;
            }
            if (s == null) {
                return; // the subscription was closed
            }
            seen = s.version();
            T value;
            try {
                value = decode(s);
            } catch (RuntimeException e) { // a CodecException, or whatever else a codec of the user's throws
                LOG.log(System.Logger.Level.WARNING, "region " + tag + ": a subscription skipped version " + seen
                        + ", which does not decode", e);
                continue;
            }
            try {
                listener.onVersion(s, value);
            } catch (Exception e) { // not only unchecked: a listener written in Kotlin or Scala may throw a checked one
                LOG.log(System.Logger.Level.WARNING, "region " + tag + ": a subscription listener threw on version "
                        + seen + "; it gets the next version", e);
            }
        }
    }

    /**
     * The newest snapshot once it is newer than {@code version}; null on timeout or when
     * {@code w} is closed.
     */
    private Snapshot awaitNewer(long version, long timeoutNanos, ChangeWaiter w) throws InterruptedException {
        Snapshot s = snapshot();
        if (isNewer(s, version) || region.changesSoon(version, w, false) && isNewer(s = snapshot(), version)) {
            return s; // the clock is read only by a wait that outlasts the quick checks
        }
        long start = System.nanoTime();
        while (true) {
            s = snapshot();
            if (isNewer(s, version)) {
                return s;
            }
            long left = timeoutNanos - (System.nanoTime() - start);
            if (left <= 0 || region.awaitChange(version, left, w, false) == ChangeWaiter.Outcome.CLOSED) {
                return null;
            }
        }
    }

    private static boolean isNewer(Snapshot s, long version) {
        return s != null && s.version() > version;
    }

    public String tag() {
        return tag;
    }

    /** The strategy this follower's waits use: the options' one, or BACKOFF where kernel waits are unavailable. */
    public WaitStrategy waitStrategy() {
        return waiter.effective();
    }

    /** Reads the newest snapshot if it changed; holds this follower's lock. */
    private Snapshot refresh() {
        Snapshot s = region.read(SharedObjectFollower::newest, snapshot);
        snapshot = s;
        return s;
    }

    /** {@code cached} if {@code r} still commits its version, else a new read, recorded with {@code entry}. */
    private static Snapshot newest(ObjectRegion r, Snapshot cached, FollowerRegistry.Entry entry) {
        if (cached != null && cached.version() == r.committedAcquire()) {
            return cached;
        }
        Snapshot s = r.readCommitted();
        if (s != null) {
            seen(entry, s.version(), s.publishTimeNanos());
        }
        return s;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("region " + tag + " is closed");
        }
    }

    /**
     * Stops its subscriptions, makes threads waiting in {@link #awaitNewer} throw
     * {@link IllegalStateException} at once, and unmaps the region. Other threads' calls then
     * throw {@link IllegalStateException}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        waiter.close(); // returns when no thread waits in awaitNewer any more
        for (Subscription s : subscriptions) {
            s.close();
        }
        region.close();
        if (entry != null) {
            entry.close();
        }
    }
}
