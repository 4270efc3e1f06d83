package io.shm4j;

import io.shm4j.internal.ObjectRegion;
import io.shm4j.internal.ObjectRegionWriter;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Shared objects: one master process publishes an object (shared configuration is the typical
 * use), any number of follower processes read it read-only and see each new version at once.
 * Every read is one whole version, never a torn or half-written one; a crashed master leaves the
 * last committed version readable. The byte format is in {@code docs/FORMAT.md}.
 *
 * <pre>{@code
 * // process A
 * try (var master = SharedObject.master("config")) {
 *     master.publish(Map.of("color", "blue", "threads", 4));
 *     ...
 * }
 * // process B, C, ...
 * try (var config = SharedObject.follower("config", JsonNode.class)) {
 *     JsonNode c = config.get();
 * }
 * // load once, share with every later process
 * Prices prices = SharedObject.loadOnce("prices", Prices.class, Prices::loadFromDatabase);
 * }</pre>
 */
public final class SharedObject {
    /** How often a process waiting in {@link #loadOnce} checks whether the loader died. */
    private static final Duration LOADER_CHECK_INTERVAL = Duration.ofMillis(100);

    private SharedObject() {
    }

    /** Master of {@code tag} publishing any Jackson-serializable object, default options. */
    public static SharedObjectMaster<Object> master(String tag) throws IOException {
        return master(tag, ShmOptions.defaults());
    }

    /** Master of {@code tag} publishing any Jackson-serializable object. */
    public static SharedObjectMaster<Object> master(String tag, ShmOptions options) throws IOException {
        return master(tag, ObjectCodecs.json(Object.class), options);
    }

    /**
     * Master of {@code tag} encoding with the natural codec of {@code type} ({@link ObjectCodecs#forType}),
     * default options; the counterpart of {@link #follower(String, Class)}.
     *
     * <pre>{@code
     * try (SharedObjectMaster<Config> master = SharedObject.master("config", Config.class)) {
     *     master.publish(new Config("blue", 4));
     * }
     * }</pre>
     */
    public static <T> SharedObjectMaster<T> master(String tag, Class<T> type) throws IOException {
        return master(tag, ObjectCodecs.forType(type), ShmOptions.defaults());
    }

    /** As {@link #master(String, Class)} with options. */
    public static <T> SharedObjectMaster<T> master(String tag, Class<T> type, ShmOptions options) throws IOException {
        return master(tag, ObjectCodecs.forType(type), options);
    }

    /**
     * Becomes the one master of {@code tag}, creating the region if it is missing. Versions
     * continue from the region's committed version.
     *
     * @throws MasterConflictException if another master (process, or object in this one) holds it
     */
    public static <T> SharedObjectMaster<T> master(String tag, ObjectCodec<T> codec, ShmOptions options) throws IOException {
        Objects.requireNonNull(codec, "codec");
        return new SharedObjectMaster<>(ObjectRegionWriter.acquire(tag, options, true), codec, options.maxObjectSize());
    }

    /** Follower of {@code tag} decoding with the natural codec of {@code type} ({@link ObjectCodecs#forType}). */
    public static <T> SharedObjectFollower<T> follower(String tag, Class<T> type) throws IOException {
        return follower(tag, ObjectCodecs.forType(type), ShmOptions.defaults());
    }

    /** As {@link #follower(String, Class)} with options. */
    public static <T> SharedObjectFollower<T> follower(String tag, Class<T> type, ShmOptions options) throws IOException {
        return follower(tag, ObjectCodecs.forType(type), options);
    }

    /**
     * Follows {@code tag}: maps its file read-only.
     *
     * @throws RegionNotFoundException if no region {@code tag} exists
     * @throws CorruptRegionException  if the file is not a valid object region
     */
    public static <T> SharedObjectFollower<T> follower(String tag, ObjectCodec<T> codec, ShmOptions options) throws IOException {
        Objects.requireNonNull(codec, "codec");
        Path file = RegionFiles.file(tag, options);
        return new SharedObjectFollower<>(tag, file, codec, ObjectRegion.openReadOnly(tag, file), options);
    }

    /** {@link #loadOnce(String, ObjectCodec, ShmOptions, Supplier)} with the natural codec of {@code type}. */
    public static <T> T loadOnce(String tag, Class<T> type, Supplier<? extends T> loader) throws IOException {
        return loadOnce(tag, ObjectCodecs.forType(type), ShmOptions.defaults(), loader);
    }

    /**
     * The value shared under {@code tag}, loaded by the first process that asks. Exactly one
     * process runs {@code loader} and publishes its result; every other process, including one
     * that arrives while the loader runs, waits and gets that result. If the loader throws, the
     * exception reaches its caller, nothing is published, and the next process to ask loads.
     *
     * <p>Race-free across processes: the loader runs only while holding the region's master
     * lock, after seeing the region empty under that lock.
     */
    public static <T> T loadOnce(String tag, ObjectCodec<T> codec, ShmOptions options, Supplier<? extends T> loader)
            throws IOException {
        Objects.requireNonNull(loader, "loader");
        while (true) {
            ObjectRegionWriter writer = ObjectRegionWriter.acquire(tag, options, false);
            if (writer != null) {
                try (SharedObjectMaster<T> master = new SharedObjectMaster<>(writer, codec, options.maxObjectSize())) {
                    if (master.version() > 0) {
                        return master.current();
                    }
                    T value = loader.get();
                    master.publish(value);
                    return value;
                }
            }
            // Another process holds the lock: it is loading (or is a long-lived master). Sleep
            // until it publishes; wake now and then to retry the lock in case the loader died.
            try (SharedObjectFollower<T> follower = follower(tag, codec, options)) {
                if (follower.awaitNewer(0, LOADER_CHECK_INTERVAL).isPresent()) {
                    return follower.get();
                }
            } catch (RegionNotFoundException e) {
                // removed between the two steps: try again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Shm4jException("interrupted while waiting for region " + tag + " to be loaded", e);
            }
        }
    }
}
