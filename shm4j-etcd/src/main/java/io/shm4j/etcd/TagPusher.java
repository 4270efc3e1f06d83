package io.shm4j.etcd;

import com.google.protobuf.UnsafeByteOperations;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import io.shm4j.RegionNotFoundException;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.Shm4jException;
import io.shm4j.SnapshotBuffer;
import io.shm4j.etcd.MirrorEvent.State;
import io.shm4j.internal.RegionFiles;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Pushes one tag: holds the tag's pusher role in etcd and writes each new local version to the
 * tag's key.
 *
 * <p>The role is the lock key {@code <prefix><tag>~pusher}, created in a transaction only if it
 * does not exist, attached to a lease this pusher keeps alive. A pusher that dies stops keeping
 * its lease alive; etcd deletes the key when the TTL runs out and a standby's transaction then
 * succeeds. Every write of the data key is a transaction on "the lock key still has the create
 * revision I made it with": a pusher that lost its lease (paused, partitioned) can never
 * overwrite a newer pusher's value.
 *
 * <p>Latest value, never a backlog: the pusher waits on the region (futex, no polling), writes
 * the newest version and, while etcd answers, reads and encodes the version published meanwhile
 * (if any); when the answer comes it sends that one at once, or the newest if another came since.
 * One write is in flight at a time, so etcd orders them as they were published.
 */
final class TagPusher implements Runnable {
    /**
     * Bytes an etcd transaction adds to the record and keys (raft request header, the compare,
     * protobuf framing), with room to spare: etcd compares the whole request with
     * {@code --max-request-bytes}, and EtcdMirrorTest pushes a payload of exactly
     * {@link #maxPayload} through an etcd with the default limit.
     */
    static final int REQUEST_OVERHEAD = 512;
    /** What a tag's lock key adds to its data key. */
    static final String LOCK_SUFFIX = "~pusher";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long REGION_WAIT_MILLIS = 200;
    private static final long MAX_BACKOFF_MILLIS = 2000;
    /**
     * How long a starting pusher retries before {@link EtcdMirror#push} gives up with etcd's
     * error: long enough for a busy machine's first gRPC connection, short enough to report an
     * etcd that is not there.
     */
    private static final long START_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Client client;
    private final MirrorOptions options;
    private final TagStatus status;
    private final String tag;
    private final ByteSequence dataKey;
    private final ByteSequence lockKey;
    private final String dataKeyName;
    private final Path regionFile;
    /** The key of the file {@link #push}'s follower reads; the pusher's thread only. */
    private Object readingFile;
    /** Completes when this pusher is active or standing by, or exceptionally with why it cannot start. */
    final CompletableFuture<Void> started = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean leaseLost;
    private long leaseId;
    private long lockRevision;
    private CloseableClient keepAlive;
    private long backoffMillis = 100;
    private final long startNanos = System.nanoTime();

    TagPusher(Client client, MirrorOptions options, TagStatus status) {
        this.client = client;
        this.options = options;
        this.status = status;
        this.tag = status.tag();
        this.dataKeyName = options.prefix() + tag;
        this.dataKey = Etcd.bytes(dataKeyName);
        this.lockKey = Etcd.bytes(lockKeyName(options.prefix(), tag));
        this.regionFile = RegionFiles.file(tag, options.shmOptions());
        this.thread = Thread.ofPlatform().daemon().name("shm4j-mirror-push-" + tag).unstarted(this);
    }

    /** The lock key of {@code tag}: '~' cannot occur in a tag, so it never names a tag's data. */
    static String lockKeyName(String prefix, String tag) {
        return prefix + tag + LOCK_SUFFIX;
    }

    /** The largest payload a push accepts for {@code tag}, from the request limit, the keys and the host name. */
    static long maxPayload(MirrorOptions options, String tag) {
        int keys = 2 * Etcd.bytes(options.prefix() + tag).size() + Etcd.bytes(lockKeyName(options.prefix(), tag)).size();
        long host = Etcd.bytes(options.hostName()).size();
        return options.maxRequestBytes() - REQUEST_OVERHEAD - keys - MirrorRecord.encodedLength((int) host, 0);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                try {
                    acquire();
                    push();
                    backoffMillis = 100;
                } catch (EtcdUnavailableException e) {
                    if (System.nanoTime() - startNanos > START_WAIT_NANOS) {
                        started.completeExceptionally(e);
                    }
                    status.state(State.DISCONNECTED, e.getMessage() + "; retrying");
                    Thread.sleep(backoffMillis);
                    backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
                } finally {
                    releaseLease();
                }
            }
        } catch (InterruptedException e) {
            // closed
        } catch (PusherConflictException e) {
            started.completeExceptionally(e);
            status.state(State.REFUSED, e.getMessage());
        } catch (IOException | RuntimeException e) {
            started.completeExceptionally(e);
            status.state(State.REFUSED, "stopped: " + e.getMessage());
        } finally {
            started.complete(null);
        }
    }

    /** Takes the pusher role, standing by while another pusher holds it (or refusing at the start, without standby). */
    private void acquire() throws EtcdUnavailableException, InterruptedException {
        while (!closed) {
            status.state(State.STARTING, "taking the pusher role for " + dataKeyName);
            long ttl = options.leaseTtl().toSeconds();
            leaseId = Etcd.await(client.getLeaseClient().grant(ttl), options.requestTimeout(), options, "a lease grant").getID();
            String holder = JSON.writeValueAsString(Map.of("host", options.hostName(), "pid", ProcessHandle.current().pid(),
                    "since", System.currentTimeMillis()));
            TxnResponse r = Etcd.await(client.getKVClient().txn()
                    .If(new Cmp(lockKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(lockKey, Etcd.bytes(holder), PutOption.builder().withLeaseId(leaseId).build()))
                    .Else(Op.get(lockKey, GetOption.DEFAULT))
                    .commit(), options.requestTimeout(), options, "the pusher-role transaction");
            if (r.isSucceeded()) {
                lockRevision = r.getPutResponses().getFirst().getHeader().getRevision();
                leaseLost = false;
                keepAlive = client.getLeaseClient().keepAlive(leaseId, new LeaseWatch());
                return;
            }
            releaseLease();
            var kvs = r.getGetResponses().getFirst().getKvs();
            if (kvs.isEmpty()) {
                continue; // the holder's lease ended between compare and get: try again
            }
            KeyValue held = kvs.getFirst();
            String host = "?";
            long pid = 0;
            try {
                JsonNode h = JSON.readTree(held.getValue().getBytes());
                host = h.path("host").asString("?");
                pid = h.path("pid").asLong(0);
            } catch (RuntimeException e) {
                // not written by a shm4j pusher: still held
            }
            PusherConflictException conflict = new PusherConflictException(tag, dataKeyName, host, pid);
            if (!options.standby() && lockRevision == 0) {
                throw conflict; // refused at the start only: a pusher that lost the role stands by to take it back
            }
            status.state(State.STANDBY, "standing by: " + dataKeyName + " is pushed by host " + host + " pid " + pid
                    + "; taking over when its lease ends");
            started.complete(null);
            awaitRelease(r.getHeader().getRevision() + 1);
        }
        throw new InterruptedException();
    }

    /** Waits until the lock key is deleted at or after {@code revision}, or a TTL passes (then looks again). */
    private void awaitRelease(long revision) throws InterruptedException {
        CountDownLatch deleted = new CountDownLatch(1);
        WatchOption from = WatchOption.builder().withRevision(revision).build();
        try (Watch.Watcher w = client.getWatchClient().watch(lockKey, from, response -> {
            for (WatchEvent e : response.getEvents()) {
                if (e.getEventType() == WatchEvent.EventType.DELETE) {
                    deleted.countDown();
                }
            }
        }, e -> deleted.countDown())) {
            deleted.await(options.leaseTtl().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Pushes each new local version while this pusher holds the role. A follower keeps reading
     * the file it opened when the tag is removed (and created again): while no version comes, this
     * looks whether the tag still names that file, and follows the tag to its new file, or waits
     * for it to be created again.
     */
    private void push() throws IOException, InterruptedException {
        while (!closed && !leaseLost) {
            try (SharedObjectFollower<byte[]> follower = openRegion()) {
                if (follower == null) {
                    break;
                }
                status.state(State.ACTIVE, "pushing to " + dataKeyName + " (lease ttl " + options.leaseTtl().toSeconds() + " s)");
                started.complete(null);
                SnapshotBuffer buffer = new SnapshotBuffer();
                Encoded next = readNewest(follower, buffer) ? encode(buffer) : null;
                while (!closed && !leaseLost) {
                    if (next != null) {
                        next = pushNewest(follower, buffer, next);
                    } else {
                        try {
                            if (follower.awaitNewer(buffer, Duration.ofMillis(500))) {
                                next = encode(buffer);
                            } else if (!readingFile.equals(regionFileKey())) {
                                break;
                            }
                        } catch (Shm4jException e) {
                            status.state(State.REJECTED, "cannot read region " + tag + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
        if (leaseLost && !closed) {
            status.state(State.STARTING, "lost the pusher role for " + dataKeyName + ": its lease ended (etcd "
                    + "unreachable, or this process paused, for longer than the TTL)");
        }
    }

    /** One version as written to etcd, with what the status and the errors name. */
    private record Encoded(ByteSequence value, long version, long publishTimeNanos, int length) {
    }

    /** Encodes the version in {@code buffer} once; etcd's request wraps the array without a second copy. */
    private Encoded encode(SnapshotBuffer buffer) {
        if (buffer.length() > maxPayload(options, tag)) {
            return new Encoded(null, buffer.version(), buffer.publishTimeNanos(), buffer.length());
        }
        byte[] value = MirrorRecord.encode(buffer.array(), buffer.length(), buffer.contentType(), options.hostName(),
                buffer.version(), buffer.publishTimeNanos());
        return new Encoded(ByteSequence.from(UnsafeByteOperations.unsafeWrap(value)), buffer.version(),
                buffer.publishTimeNanos(), buffer.length());
    }

    /**
     * The newest version if it is not {@code version}, read into {@code buffer} and encoded;
     * null if {@code version} is still the newest or the region cannot be read (reported).
     */
    private Encoded newerThan(long version, SnapshotBuffer buffer, SharedObjectFollower<byte[]> follower) {
        if (follower.version() == version || !readNewest(follower, buffer) || buffer.version() == version) {
            return null;
        }
        return encode(buffer);
    }

    /**
     * Copies the newest version into {@code buffer} if it holds an older one; false if the buffer
     * holds nothing to push: the region could not be read whole (busy or damaged, reported), and
     * a read that fails leaves the buffer empty.
     */
    private boolean readNewest(SharedObjectFollower<byte[]> follower, SnapshotBuffer buffer) {
        try {
            follower.readNewer(buffer);
        } catch (Shm4jException e) {
            status.state(State.REJECTED, "cannot read region " + tag + ": " + e.getMessage());
        }
        return buffer.version() != 0;
    }

    /**
     * The local region's follower, waiting while it does not exist yet; null if the role was lost
     * or closed meanwhile. Sets {@link #readingFile} to the key of the file it reads: the tag named
     * that file before and after the follower opened it.
     */
    private SharedObjectFollower<byte[]> openRegion() throws IOException, InterruptedException {
        while (!closed && !leaseLost) {
            Object before = regionFileKey();
            try {
                SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, byte[].class, options.shmOptions());
                readingFile = regionFileKey();
                if (before != null && before.equals(readingFile)) {
                    return follower;
                }
                follower.close(); // replaced while it opened: which of the two it reads is not known
                continue;
            } catch (RegionNotFoundException e) {
                status.state(State.STARTING, "holding the pusher role; waiting for region " + tag + " to be created");
                started.complete(null);
            }
            Thread.sleep(REGION_WAIT_MILLIS);
        }
        return null;
    }

    /** The device and inode of the file the tag names now; null if there is none. */
    private Object regionFileKey() throws IOException {
        try {
            return Files.readAttributes(regionFile, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Writes {@code version} to etcd; while etcd fails, retries with the newest version. While
     * the write is in flight, reads and encodes the version published meanwhile; returns the
     * version to write next: that one if it is still the newest, else the newest, null if
     * nothing is newer than what etcd has (or the role was lost, or the version is too large).
     */
    private Encoded pushNewest(SharedObjectFollower<byte[]> follower, SnapshotBuffer buffer, Encoded version)
            throws InterruptedException {
        long backoff = 100;
        Encoded current = version;
        while (!closed && !leaseLost) {
            if (current.value() == null) {
                status.state(State.REJECTED, tooLarge(current, "the etcd request would exceed"));
                return null;
            }
            CompletableFuture<TxnResponse> sent = client.getKVClient().txn()
                    .If(new Cmp(lockKey, Cmp.Op.EQUAL, CmpTarget.createRevision(lockRevision)))
                    .Then(Op.put(dataKey, current.value(), PutOption.DEFAULT))
                    .commit();
            Encoded ahead = newerThan(current.version(), buffer, follower);
            try {
                TxnResponse r = Etcd.await(sent, options.requestTimeout(), options, "the put of " + dataKeyName);
                if (!r.isSucceeded()) {
                    leaseLost = true; // the lock key is gone or another pusher's: push() reports it
                    return null;
                }
                status.mirrored(r.getHeader().getRevision(), options.hostName(), current.version(),
                        current.publishTimeNanos(), current.version());
                status.state(State.ACTIVE, "pushing to " + dataKeyName + " (lease ttl " + options.leaseTtl().toSeconds() + " s)");
                if (ahead != null && follower.version() == ahead.version()) {
                    return ahead;
                }
                return newerThan(current.version(), buffer, follower);
            } catch (EtcdUnavailableException e) {
                if (Etcd.isTooLarge(e)) {
                    status.state(State.REJECTED, tooLarge(current, "etcd refused it as over"));
                    return ahead;
                }
                status.state(State.DISCONNECTED, e.getMessage() + "; retrying with the newest version");
                Thread.sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                if (!readNewest(follower, buffer)) {
                    return null;
                }
                current = encode(buffer);
            }
        }
        return null;
    }

    private String tooLarge(Encoded version, String what) {
        return "version " + version.version() + " of " + tag + " (" + version.length() + " bytes) not pushed: " + what
                + " etcd's request limit of " + options.maxRequestBytes() + " bytes (etcd flag --max-request-bytes; "
                + "at most " + maxPayload(options, tag) + " payload bytes fit); raise --max-request-bytes on etcd and "
                + "the mirror, or publish smaller objects";
    }

    /** Stops keeping the lease alive and revokes it, so a standby takes over at once. */
    private void releaseLease() {
        if (keepAlive != null) {
            keepAlive.close();
            keepAlive = null;
        }
        if (leaseId != 0) {
            long id = leaseId;
            leaseId = 0;
            try {
                client.getLeaseClient().revoke(id).get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                // etcd unreachable: the lease ends by its TTL
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Marks the role lost when etcd reports the lease gone (expired while this process was paused or cut off). */
    private final class LeaseWatch implements StreamObserver<LeaseKeepAliveResponse> {
        @Override
        public void onNext(LeaseKeepAliveResponse r) {
            if (r.getTTL() <= 0) {
                leaseLost = true;
            }
        }

        @Override
        public void onError(Throwable t) {
            leaseLost = true;
        }

        @Override
        public void onCompleted() {
            leaseLost = true;
        }
    }

    void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join();
    }
}
