package io.shm4j.etcd;

import io.etcd.jetcd.Client;
import io.shm4j.MasterConflictException;
import io.shm4j.Shm4jException;
import io.shm4j.etcd.MirrorEvent.State;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Mirrors shm4j tags across hosts through etcd. On the host with the tag's master, a
 * <em>push</em> mirror writes each new version to etcd under {@code <prefix><tag>}; on every
 * other host, a <em>pull</em> mirror becomes the tag's local master and publishes each etcd
 * revision into the local region, where followers (Java or Python) read it at memory speed.
 * Topology, guarantees and failure modes: {@code docs/MIRROR.md}.
 *
 * <pre>{@code
 * // host A, beside the master of "config"
 * try (EtcdMirror push = EtcdMirror.push(MirrorOptions.of("http://etcd:2379").withTags(List.of("config")))) {
 *     ...   // runs until closed
 * }
 * // host B, C, ...: local followers of "config" see A's versions
 * try (EtcdMirror pull = EtcdMirror.pull(MirrorOptions.of("http://etcd:2379").withTags(List.of("config")))) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Each tag is mirrored by a background thread; {@link #close()} stops them, gives up the
 * pusher role (a standby takes over at once) or the local master role, and closes the etcd
 * client. Thread-safe.
 */
public final class EtcdMirror implements AutoCloseable {
    /** Which way a mirror copies. */
    public enum Role {
        /** Local region to etcd. */
        PUSH,
        /** etcd to local region. */
        PULL
    }

    /**
     * Told about every state change of every tag of a mirror, on the mirror's threads: keep it
     * short and do not block (a pull calls it on the etcd client's thread that delivers the next
     * versions too).
     *
     * <pre>{@code
     * EtcdMirror.Listener log = event -> System.err.println("mirror: " + event);
     * }</pre>
     */
    @FunctionalInterface
    public interface Listener {
        void stateChanged(MirrorEvent event);
    }

    private static final long STATUS_WRITE_MILLIS = 200;

    private final Role role;
    private final MirrorOptions options;
    private final Client client;
    private final Path directory;
    private final Map<String, TagStatus> statuses = new ConcurrentHashMap<>();
    private final List<TagPusher> pushers = new ArrayList<>();
    private final List<Puller> pullers = new ArrayList<>();
    private final Thread statusWriter;
    private WatchService regionWatch;
    private Thread regionScanner;
    private boolean closed;

    private EtcdMirror(Role role, MirrorOptions options) throws IOException {
        this.role = role;
        this.options = options;
        for (String tag : options.tags()) {
            RegionFiles.validateTag(tag);
        }
        this.directory = RegionFiles.ensureDirectory(options.shmOptions());
        this.client = Etcd.connect(options);
        this.statusWriter = Thread.ofPlatform().daemon().name("shm4j-mirror-status").unstarted(this::writeStatuses);
    }

    /**
     * Starts pushing {@link MirrorOptions#tags()} (none: every region in the local directory,
     * new ones included) to etcd. Returns once each named tag is pushing, or standing by, or
     * waiting for its region to be created.
     *
     * @throws PusherConflictException  if another pusher holds a named tag and standby is off
     * @throws EtcdUnavailableException if etcd does not answer within 30 s
     */
    public static EtcdMirror push(MirrorOptions options) throws IOException {
        EtcdMirror mirror = new EtcdMirror(Role.PUSH, options);
        try {
            for (String tag : options.tags()) {
                mirror.startPusher(tag);
            }
            for (TagPusher p : mirror.pushers) {
                mirror.awaitStart(p);
            }
            if (options.tags().isEmpty()) {
                mirror.watchRegions();
            }
            mirror.statusWriter.start();
            return mirror;
        } catch (IOException | RuntimeException e) {
            mirror.close();
            throw e;
        }
    }

    /**
     * Starts pulling {@link MirrorOptions#tags()} (none: every tag under the prefix, new ones
     * included) from etcd into local regions, as their master. Returns once this process is
     * the local master of each named tag; the current values follow at once in the background.
     *
     * @throws Shm4jException caused by a {@link MasterConflictException} if a named tag's local
     *                        region has another master
     */
    public static EtcdMirror pull(MirrorOptions options) throws IOException {
        EtcdMirror mirror = new EtcdMirror(Role.PULL, options);
        try {
            if (options.tags().isEmpty()) {
                mirror.pullers.add(new Puller(mirror.client, options, Map.of(), mirror::status));
            }
            for (String tag : options.tags()) {
                String key = options.prefix() + tag;
                PulledTag t;
                try {
                    t = PulledTag.open(options, mirror.status(tag), key);
                } catch (MasterConflictException e) {
                    throw new Shm4jException(Puller.refusal(tag, e), e);
                }
                mirror.pullers.add(new Puller(mirror.client, options, Map.of(tag, t), mirror::status));
            }
            mirror.pullers.forEach(Puller::start);
            mirror.statusWriter.start();
            return mirror;
        } catch (IOException | RuntimeException e) {
            mirror.close();
            throw e;
        }
    }

    public Role role() {
        return role;
    }

    public MirrorOptions options() {
        return options;
    }

    /** Where each tag stands now, by tag. */
    public List<MirrorStatus> status() {
        return statuses.values().stream().map(s -> s.snapshot(false)).sorted(Comparator.comparing(MirrorStatus::tag)).toList();
    }

    private TagStatus status(String tag) {
        return statuses.computeIfAbsent(tag, t -> new TagStatus(t, role, options.prefix() + t, options));
    }

    private synchronized void startPusher(String tag) {
        if (closed || statuses.containsKey(tag)) {
            return;
        }
        TagPusher p = new TagPusher(client, options, status(tag));
        pushers.add(p);
        p.start();
    }

    private void awaitStart(TagPusher p) throws IOException {
        try {
            p.started.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the mirror", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                default -> throw new IOException(e.getCause());
            }
        }
    }

    /** Push of every tag: pushes each region in the directory, and each one created later (inotify, no polling). */
    private void watchRegions() throws IOException {
        regionWatch = FileSystems.getDefault().newWatchService();
        directory.register(regionWatch, StandardWatchEventKinds.ENTRY_CREATE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path f : files) {
                pushIfTag(f.getFileName().toString());
            }
        }
        regionScanner = Thread.ofPlatform().daemon().name("shm4j-mirror-regions").start(() -> {
            try {
                while (true) {
                    WatchKey key = regionWatch.take();
                    for (WatchEvent<?> e : key.pollEvents()) {
                        if (e.context() instanceof Path p) {
                            pushIfTag(p.toString());
                        }
                    }
                    key.reset();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // closed
            }
        });
    }

    private void pushIfTag(String name) {
        if (RegionFiles.isTag(name)) {
            startPusher(name);
        }
    }

    /** Keeps each tag's status file current: rewritten when changed, at most every 200 ms. */
    private void writeStatuses() {
        try {
            while (true) {
                flushStatuses();
                Thread.sleep(STATUS_WRITE_MILLIS);
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private void flushStatuses() {
        for (TagStatus s : statuses.values()) {
            if (s.dirty()) {
                try {
                    s.snapshot(true).write(directory);
                } catch (IOException | UncheckedIOException e) {
                    System.getLogger(EtcdMirror.class.getName()).log(System.Logger.Level.WARNING,
                            "cannot write the mirror status of " + s.tag() + ": " + e);
                }
            }
        }
    }

    /** Now, nanoseconds since the Unix epoch (the clock of publish times). */
    static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Stops mirroring: gives up the pusher or local master roles, writes the final status, closes the etcd client. */
    @Override
    public void close() {
        List<TagPusher> stopPushers;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopPushers = List.copyOf(pushers);
        }
        boolean interrupted = false;
        try {
            if (regionWatch != null) {
                regionWatch.close();
            }
            if (regionScanner != null) {
                regionScanner.interrupt();
                regionScanner.join();
            }
            for (TagPusher p : stopPushers) {
                p.close();
            }
            for (Puller p : pullers) {
                p.close();
            }
            statusWriter.interrupt();
            if (statusWriter.isAlive()) {
                statusWriter.join();
            }
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            statuses.values().forEach(s -> s.state(State.CLOSED, "stopped"));
            flushStatuses();
            client.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
