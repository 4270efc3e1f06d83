package io.shm4j;

import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.ObjectRegionWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The one writer of a shared object: publishes whole versions that every follower sees at once.
 * Create one with {@link SharedObject#master}. Thread-safe; closing releases the master role but
 * leaves the region and its last version for followers.
 *
 * <pre>{@code
 * try (SharedObjectMaster<Config> master = SharedObject.master("config", ObjectCodecs.json(Config.class), ShmOptions.defaults())) {
 *     master.publish(new Config("blue", 3));
 *     master.update(c -> c.withThreads(4));   // read-modify-publish
 *     long v = master.publish(next);
 *     List<FollowerInfo> late = master.awaitSeen(v, Duration.ofSeconds(10)); // empty: every follower read v
 *     master.followers().forEach(System.out::println);                      // who reads, and what
 * }
 * }</pre>
 *
 * @param <T> the object type
 */
public final class SharedObjectMaster<T> implements AutoCloseable {
    private final ObjectRegionWriter writer;
    private final ObjectCodec<T> codec;
    private final int maxObjectSize;
    /** Whether {@link #current} holds the committed value (after a publish, or once read at takeover). */
    private boolean currentKnown;
    private T current;
    private boolean closed;

    SharedObjectMaster(ObjectRegionWriter writer, ObjectCodec<T> codec, int maxObjectSize) {
        this.writer = writer;
        this.codec = codec;
        this.maxObjectSize = maxObjectSize;
    }

    /**
     * Publishes {@code value} as the next version: encodes it, writes it into the slot no follower
     * is reading, then commits it. Grows the region if needed.
     *
     * @return the new version
     * @throws CodecException          if the value cannot be encoded (nothing is written)
     * @throws ObjectTooLargeException if it encodes larger than the maximum (nothing is written)
     * @throws UncheckedIOException    if the region must grow and the device is full (the last version stays)
     * @throws RegionShrunkException   if the file shrank under this master and moving the region to a new
     *                                 file faulted too (a file that shrank is otherwise replaced, with a
     *                                 logged warning, and the publish succeeds; a shrunk {@code TAG~followers}
     *                                 or {@code TAG~sleepers} file makes this and every later publish wake
     *                                 followers regardless, with a logged warning)
     */
    public synchronized long publish(T value) {
        ensureOpen();
        long version = write(codec.contentType(), codec.encode(value));
        current = value;
        currentKnown = true;
        return version;
    }

    /**
     * Publishes {@code payload}, already encoded, as the next version labelled
     * {@code contentType}, bypassing this master's codec: for relays that copy versions from
     * elsewhere byte for byte (shm4j-etcd's mirror publishes what it reads from etcd this way).
     * The array is not copied and must not be modified during the call. A later
     * {@link #current()} decodes this version with the codec.
     *
     * <pre>{@code
     * try (var master = SharedObject.master("config", ObjectCodecs.bytes(), ShmOptions.defaults())) {
     *     master.publishBytes(ContentType.JSON, "{\"color\":\"blue\"}".getBytes(StandardCharsets.UTF_8));
     * }
     * }</pre>
     *
     * @return the new version
     * @throws ObjectTooLargeException if {@code payload} is larger than the maximum (nothing is written)
     * @throws UncheckedIOException    if the region must grow and the device is full (the last version stays)
     */
    public synchronized long publishBytes(ContentType contentType, byte[] payload) {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(payload, "payload");
        ensureOpen();
        long version = write(contentType, payload);
        current = null;
        currentKnown = false;
        return version;
    }

    private long write(ContentType contentType, byte[] payload) {
        if (payload.length > maxObjectSize) {
            throw new ObjectTooLargeException(writer.tag(), payload.length, maxObjectSize);
        }
        try {
            return writer.publish(contentType, payload);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish to region " + writer.tag() + ": " + e.getMessage(), e);
        }
    }

    /** Publishes {@code fn.apply(current())}; returns the new version. */
    public synchronized long update(UnaryOperator<T> fn) {
        Objects.requireNonNull(fn, "fn");
        return publish(fn.apply(current()));
    }

    /**
     * What this master last published, without reading shared memory. A master that took over an
     * existing region and has not published yet reads the committed version once and decodes it
     * (null if the region is empty).
     *
     * @throws CodecException         if that committed version is not a valid {@code T}
     * @throws CorruptRegionException if that committed version is corrupt (publishing replaces it)
     * @throws RegionShrunkException  if the file shrank under this master (publishing moves the region)
     */
    public synchronized T current() {
        ensureOpen();
        if (!currentKnown) {
            Snapshot committed;
            try {
                committed = writer.readCommitted();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read region " + writer.tag() + ": " + e.getMessage(), e);
            }
            current = committed == null ? null : codec.decode(committed.payload());
            currentKnown = true;
        }
        return current;
    }

    /** The committed version, 0 before the first publish of the region. */
    public synchronized long version() {
        return writer.version();
    }

    public String tag() {
        return writer.tag();
    }

    /**
     * The followers registered for this tag (FORMAT.md 3.3), in any process and language: pid,
     * name, the version each has read, its lag, how it waits. The entries of processes that died
     * are reclaimed by this call and listed once more with {@link FollowerInfo#alive()} false.
     * Followers that may not write the registry (another user, a read-only mount) are not seen.
     *
     * @return the followers; empty if the tag's registry cannot be used (logged when this master started)
     * @throws RegionShrunkException if the registry file shrank under this master (another program
     *                               truncated it); the message names it and says what to do
     */
    public synchronized List<FollowerInfo> followers() {
        ensureOpen();
        return Followers.list(writer.registry(), writer.region());
    }

    /**
     * Waits until every live registered follower has read {@code version} (or a later one), for
     * at most {@code timeout}: the end of a rollout. Followers that die meanwhile stop counting;
     * followers that register meanwhile count too. A follower reads a version when it calls
     * {@code get()}, {@code snapshot()}, {@code readNewer()} or waits with {@code awaitNewer} or
     * {@code subscribe} (so a follower that never reads again is reported).
     *
     * <pre>{@code
     * long v = master.publish(config);
     * List<FollowerInfo> late = master.awaitSeen(v, Duration.ofSeconds(10));
     * if (!late.isEmpty()) log.warn("not yet on version {}: {}", v, late);
     * }</pre>
     *
     * @return the live followers that had not read it when {@code timeout} passed; empty as soon as all have
     * @throws InterruptedException  if the thread is interrupted while waiting
     * @throws RegionShrunkException if the registry file shrank under this master, as {@link #followers()}
     */
    public List<FollowerInfo> awaitSeen(long version, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        FollowerRegistry registry;
        synchronized (this) {
            ensureOpen();
            registry = writer.registry();
        }
        long nanos;
        try {
            nanos = Math.max(0, timeout.toNanos());
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        List<FollowerRegistry.Record> late = Followers.awaitSeen(registry, version, nanos); // publishes go on meanwhile
        synchronized (this) {
            ensureOpen();
            return Followers.infos(late, writer.region());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("region " + writer.tag() + " is closed");
        }
    }

    /** Gives up the master role; the region and its last version remain for followers. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
