package io.shm4j.etcd;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.RegionNotFoundException;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.Shm4jException;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.etcd.MirrorEvent.State;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The local side of a pulled tag: this process is the master of the tag's region and publishes
 * each etcd revision into it, in mod-revision order, skipping anything not newer than what it
 * published last. Used under its {@link Puller}'s lock (the watch's thread and the puller's).
 */
final class PulledTag implements AutoCloseable {
    private final ShmOptions options;
    private final Path file;
    private SharedObjectMaster<byte[]> master;
    private final TagStatus status;
    private final String key;
    /** What the region held when this mirror started; a first record equal to it is not published again. */
    private Snapshot held;
    private MirrorRecord last;
    private long lastRevision;

    private PulledTag(ShmOptions options, SharedObjectMaster<byte[]> master, Snapshot held, TagStatus status, String key) {
        this.options = options;
        this.file = RegionFiles.file(status.tag(), options);
        this.master = master;
        this.held = held;
        this.status = status;
        this.key = key;
    }

    /**
     * Becomes the local master of the status's tag.
     *
     * @throws io.shm4j.MasterConflictException if another process is its master here
     */
    static PulledTag open(MirrorOptions options, TagStatus status, String key) throws IOException {
        SharedObjectMaster<byte[]> master = SharedObject.master(status.tag(), ObjectCodecs.bytes(), options.shmOptions());
        try (SharedObjectFollower<byte[]> region = SharedObject.follower(status.tag(), byte[].class, options.shmOptions())) {
            return new PulledTag(options.shmOptions(), master, region.snapshot(), status, key);
        } catch (IOException | RuntimeException e) {
            master.close();
            if (e instanceof RegionNotFoundException) {
                throw new IOException("region " + status.tag() + " vanished while the mirror became its master", e);
            }
            throw e;
        }
    }

    /** Publishes the record in {@code value}, etcd mod revision {@code revision}, unless it is not newer. */
    void apply(long revision, byte[] value) {
        if (revision <= lastRevision) {
            return; // never an older value after a newer one
        }
        lastRevision = revision;
        MirrorRecord r;
        try {
            r = MirrorRecord.decode(value);
        } catch (Shm4jException e) {
            status.state(State.REJECTED, "revision " + revision + " of " + key + " not published: " + e.getMessage()
                    + "; the local region keeps version " + master.version());
            return;
        }
        long local;
        if (r.sameSourceVersion(last) || (last == null && holds(r.contentType(), r.payload()))) {
            local = master.version(); // pushed again (a retry or a takeover), or what the region holds since before a restart
        } else {
            try {
                recreateIfRemoved();
                local = master.publishBytes(r.contentType(), r.payload());
            } catch (IOException e) {
                status.state(State.REJECTED, "revision " + revision + " of " + key + " not published: region " + status.tag()
                        + " was removed and cannot be created again (" + e.getMessage() + ")");
                return;
            } catch (Shm4jException | UncheckedIOException e) {
                status.state(State.REJECTED, "revision " + revision + " of " + key + " not published: " + e.getMessage());
                return;
            }
        }
        held = null;
        last = r;
        status.mirrored(revision, r.sourceHost(), r.sourceVersion(), r.publishTimeNanos(), local);
        status.state(State.ACTIVE, activeMessage(key, status.tag()));
    }

    /**
     * A master keeps writing the file it opened when the tag is removed (by hand, by a cleaner of
     * /dev/shm such as systemd's RemoveIPC), where no new follower finds it: if the tag names no
     * file, this becomes the master of a new region of the tag (the old master is closed only once
     * that succeeded). A tag that names another file is left alone: this master moves the region
     * itself when it grows it.
     */
    private void recreateIfRemoved() throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        SharedObjectMaster<byte[]> next = SharedObject.master(status.tag(), ObjectCodecs.bytes(), options);
        master.close();
        master = next;
        held = null;
    }

    static String activeMessage(String key, String tag) {
        return "pulling " + key + " into region " + tag;
    }

    private boolean holds(ContentType type, byte[] payload) {
        return held != null && held.contentType() == type && Arrays.equals(held.bytes(), payload);
    }

    @Override
    public void close() {
        master.close();
    }
}
