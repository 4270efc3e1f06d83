package io.shm4j;

import io.shm4j.internal.ObjectRegion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A read-only view of a shared object: always the newest whole version. The region file is opened
 * read-only and mapped read-only, so a follower cannot write shared memory and needs only read
 * permission. Create one with {@link SharedObject#follower}. Thread-safe.
 *
 * <pre>{@code
 * try (SharedObjectFollower<Config> config = SharedObject.follower("config", Config.class)) {
 *     Config c = config.get();          // decoded once per new version, then cached
 *     if (config.hasNewer(seen)) { ... }
 * }
 * }</pre>
 *
 * <p>Implementation notes. {@link #get()} with no new version costs two loads of the mapped
 * header (committed, acquire; flags) and a compare: the decoded value is cached with its
 * version. A new version is copied once under this follower's lock (FORMAT.md 5.2) and decoded
 * once. When the master grows the region it flags this file SUPERSEDED; the follower then opens
 * the tag again (at most once a millisecond while the tag still names the old file) and swaps
 * mappings; a thread still reading the old mapping sees it closed and retries on the new one.
 *
 * @param <T> the object type
 */
public final class SharedObjectFollower<T> implements AutoCloseable {
    private static final long REOPEN_INTERVAL_NANOS = 1_000_000;

    private final String tag;
    private final Path file;
    private final ObjectCodec<T> codec;
    private volatile ObjectRegion region;
    private volatile Snapshot snapshot;
    private volatile Decoded<T> decoded;
    private volatile boolean closed;
    private long lastReopenNanos;

    private record Decoded<T>(long version, T value) {
    }

    SharedObjectFollower(String tag, Path file, ObjectCodec<T> codec, ObjectRegion region) {
        this.tag = tag;
        this.file = file;
        this.codec = codec;
        this.region = region;
    }

    /**
     * The newest version, decoded; {@code null} if nothing was published yet. Returns the cached
     * object while the version is unchanged (do not modify it).
     *
     * @throws CodecException if the payload is not a valid {@code T}
     */
    public T get() {
        Decoded<T> d = decoded;
        try {
            ObjectRegion r = region;
            if (d != null && r.committedAcquire() == d.version && !r.isSuperseded()) {
                return d.value;
            }
        } catch (IllegalStateException e) {
            ensureOpen(); // else the mapping was swapped under us: take the slow path
        }
        return decodeNewest();
    }

    private synchronized T decodeNewest() {
        Snapshot s = refresh();
        if (s == null) {
            return null;
        }
        Decoded<T> d = decoded;
        if (d == null || d.version != s.version()) {
            d = new Decoded<>(s.version(), codec.decode(s.payload()));
            decoded = d;
        }
        return d.value;
    }

    /** The newest version as a whole snapshot (raw bytes and metadata), or {@code null} if none yet. */
    public Snapshot snapshot() {
        Snapshot s = snapshot;
        try {
            ObjectRegion r = region;
            if (s != null && r.committedAcquire() == s.version() && !r.isSuperseded()) {
                return s;
            }
        } catch (IllegalStateException e) {
            ensureOpen();
        }
        synchronized (this) {
            return refresh();
        }
    }

    /** The newest committed version number, 0 if nothing was published yet. */
    public long version() {
        try {
            ObjectRegion r = region;
            if (!r.isSuperseded()) {
                return r.committedAcquire();
            }
        } catch (IllegalStateException e) {
            ensureOpen();
        }
        synchronized (this) {
            return currentRegion().committedAcquire();
        }
    }

    /** Whether a version newer than {@code version} exists. */
    public boolean hasNewer(long version) {
        return version() > version;
    }

    public String tag() {
        return tag;
    }

    /** Reads the newest snapshot if it changed; holds this follower's lock. */
    private Snapshot refresh() {
        ObjectRegion r = currentRegion();
        Snapshot s = snapshot;
        if (s != null && s.version() == r.committedAcquire()) {
            return s;
        }
        s = r.readCommitted();
        snapshot = s;
        return s;
    }

    /** The region to read, after following a supersede if there is one; holds this follower's lock. */
    private ObjectRegion currentRegion() {
        ensureOpen();
        ObjectRegion r = region;
        if (!r.isSuperseded()) {
            return r;
        }
        long now = System.nanoTime();
        if (lastReopenNanos != 0 && now - lastReopenNanos < REOPEN_INTERVAL_NANOS) {
            return r; // the tag still named this file a moment ago: its last version is still current
        }
        lastReopenNanos = now;
        ObjectRegion next;
        try {
            next = ObjectRegion.openReadOnly(tag, file);
        } catch (IOException e) {
            throw new UncheckedIOException("region " + tag + " was replaced but cannot be reopened: " + e.getMessage(), e);
        }
        if (next.fileKey().equals(r.fileKey())) {
            next.close(); // master died between flagging and renaming, or is renaming right now
            return r;
        }
        region = next;
        lastReopenNanos = 0;
        r.close();
        return next;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("region " + tag + " is closed");
        }
    }

    /** Unmaps the region. Other threads' calls then throw {@link IllegalStateException}. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            region.close();
        }
    }
}
