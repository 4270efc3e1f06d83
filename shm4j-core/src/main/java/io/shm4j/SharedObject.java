package io.shm4j;

import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.ObjectRegion;
import io.shm4j.internal.ObjectRegionWriter;
import io.shm4j.internal.RegionDirectory;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
    /** How often a follower waiting for its region to be created looks for it. */
    private static final long CREATION_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

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
     * Follows {@code tag}: maps its file read-only, and registers in the tag's follower registry
     * (FORMAT.md 3.3) so that its master can list it ({@link SharedObjectMaster#followers()}).
     * A follower that may not write the registry reads unregistered. With
     * {@link ShmOptions#withCreationTimeout} it waits that long for a missing region to be
     * created (a follower that starts before its master).
     *
     * <pre>{@code
     * var options = ShmOptions.defaults().withFollowerName("billing-worker").withCreationTimeout(Duration.ofSeconds(10));
     * try (var config = SharedObject.follower("config", ObjectCodecs.json(Config.class), options)) { ... }
     * }</pre>
     *
     * @throws RegionNotFoundException if no region {@code tag} exists (after the creation timeout)
     * @throws CorruptRegionException  if the file is not a valid object region
     */
    public static <T> SharedObjectFollower<T> follower(String tag, ObjectCodec<T> codec, ShmOptions options) throws IOException {
        Objects.requireNonNull(codec, "codec");
        Path file = RegionFiles.file(tag, options);
        return new SharedObjectFollower<>(tag, file, codec, openAwaitingCreation(tag, file, options), options);
    }

    private static ObjectRegion openAwaitingCreation(String tag, Path file, ShmOptions options) throws IOException {
        Duration timeout = options.creationTimeout();
        long start = System.nanoTime();
        long timeoutNanos = timeout.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE : timeout.toNanos();
        while (true) {
            try {
                return ObjectRegion.openReadOnly(tag, file, options.verifyChecksums());
            } catch (RegionNotFoundException e) {
                if (System.nanoTime() - start >= timeoutNanos) {
                    throw e;
                }
                LockSupport.parkNanos(CREATION_POLL_NANOS); // a region appears whole, by link(2) (FORMAT.md 5.5)
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new Shm4jException("interrupted while waiting for region " + tag + " to be created", e);
                }
            }
        }
    }

    /**
     * The followers registered for {@code tag}, seen from any process (an operator's tool; a
     * master has {@link SharedObjectMaster#followers()}). Entries of dead processes are reclaimed
     * where this process may write the registry, and listed once with {@code alive} false.
     *
     * @throws RegionNotFoundException if no region {@code tag} exists
     * @throws IOException             if the registry exists but is not one (e.g. truncated): the message
     *                                 names it and says to remove it
     * @throws RegionShrunkException   if the registry shrinks while it is read
     */
    public static List<FollowerInfo> followers(String tag, ShmOptions options) throws IOException {
        Path file = RegionFiles.file(tag, options);
        try (ObjectRegion region = ObjectRegion.openReadOnly(tag, file)) {
            return Followers.list(FollowerRegistry.openToList(file), region);
        }
    }

    /**
     * The regions of the options' directory, sorted by tag: object regions with their version
     * and master, raw regions, damaged ones. Helper files ({@code TAG~...}) are skipped.
     *
     * <pre>{@code
     * SharedObject.list(ShmOptions.defaults()).forEach(r -> System.out.println(r.tag() + " v" + r.version()));
     * }</pre>
     *
     * @return the regions; empty if the directory does not exist
     */
    public static List<RegionInfo> list(ShmOptions options) throws IOException {
        List<RegionInfo> out = new ArrayList<>();
        for (Path f : RegionDirectory.regionFiles(RegionFiles.directory(options))) {
            out.add(RegionDirectory.describe(f));
        }
        return out;
    }

    /**
     * Removes {@code tag} and its helper files (its follower registry, a stray growth file, ...),
     * refusing while its master runs. Processes that still map the region keep reading their
     * mapping until they close it.
     *
     * <pre>{@code
     * SharedObject.delete("config", ShmOptions.defaults());
     * }</pre>
     *
     * @return whether the region existed
     * @throws MasterConflictException if a live master holds the tag
     */
    public static boolean delete(String tag, ShmOptions options) throws IOException {
        return delete(tag, options, false);
    }

    /**
     * As {@link #delete(String, ShmOptions)}; with {@code force} it removes the tag even while its
     * master runs (that master then publishes into a file no new follower finds).
     */
    public static boolean delete(String tag, ShmOptions options, boolean force) throws IOException {
        Path file = RegionFiles.file(tag, options);
        if (!force && Files.isRegularFile(file) && RegionDirectory.masterRunning(file)) {
            long pid = RegionDirectory.describe(file).masterPid();
            throw new MasterConflictException(tag, pid, "refusing to delete region " + tag + ": its master, pid " + pid
                    + ", is running; stop it first, or force the delete");
        }
        return RegionDirectory.remove(RegionFiles.directory(options), tag);
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
