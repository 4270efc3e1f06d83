package io.shm4j.bench;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import io.shm4j.WaitStrategy;
import java.time.Duration;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * shm4j itself: a {@link SharedObjectMaster} publishes, each follower process holds a
 * {@link SharedObjectFollower} on the same region (in the case directory).
 * <ul>
 * <li>Raw {@code byte[]} followers wait in {@code awaitNewer} with the peer's
 *     {@link WaitStrategy} ({@code BUSY_SPIN}: spin on the header; {@code BLOCK}: sleep on the
 *     futex until the master's wake-up) and read the header from the returned snapshot.</li>
 * <li>JSON followers busy-poll {@code get()}, which returns the cached tree until a new version
 *     is committed, then copies, checks and parses it once. The master serializes a document
 *     each time: compare with the file peer, which does the same through a file.</li>
 * </ul>
 */
public final class Shm4jPeer implements Peer {
    private static final String TAG = "bench";
    /**
     * awaitNewer's timeout: long, so that an idle follower wakes only as shm4j itself decides
     * (the stop message ends every case, and the runner kills a follower that hangs).
     */
    private static final Duration WAIT_SLICE = Duration.ofMinutes(1);

    /** What the master publishes and the follower decodes. */
    public enum Encoding { RAW, JSON }

    private final String name;
    private final Encoding encoding;
    private final WaitStrategy strategy;
    /** Whether the follower checks the CRC-32 ({@link ShmOptions#withVerifyChecksums}). */
    private final boolean verifies;

    public Shm4jPeer(String name, Encoding encoding, WaitStrategy strategy, boolean verifies) {
        this.name = name;
        this.encoding = encoding;
        this.strategy = strategy;
        this.verifies = verifies;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean busyPolls() {
        return encoding == Encoding.JSON || strategy == WaitStrategy.BUSY_SPIN;
    }

    @Override
    public String description() {
        return switch (encoding) {
            case RAW -> "shm4j SharedObject<byte[]>, follower waits in awaitNewer(SnapshotBuffer) with " + strategy
                    + (verifies ? "" : ", without the CRC-32 (ShmOptions.withVerifyChecksums(false))");
            case JSON -> "shm4j SharedObject<JsonNode>: master serializes, follower busy-polls get() and parses";
        };
    }

    @Override
    public Publisher publisher(PeerContext context) throws Exception {
        ShmOptions options = options(context);
        return switch (encoding) {
            case RAW -> {
                SharedObjectMaster<byte[]> master = SharedObject.master(TAG, ObjectCodecs.bytes(), options);
                yield publisher(master, master::publish);
            }
            case JSON -> {
                SharedObjectMaster<JsonNode> master = SharedObject.master(TAG, ObjectCodecs.jsonTree(), options);
                JsonPayload json = new JsonPayload(context.payloadSize());
                yield publisher(master, payload -> master.publish(json.document(payload)));
            }
        };
    }

    private static Publisher publisher(AutoCloseable master, Consumer<byte[]> publish) {
        return new Publisher() {
            @Override
            public void publish(byte[] payload) {
                publish.accept(payload);
            }

            @Override
            public void close() throws Exception {
                master.close();
            }
        };
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) throws Exception {
        ShmOptions options = options(context);
        return switch (encoding) {
            case RAW -> awaiting(SharedObject.follower(TAG, ObjectCodecs.bytes(), options));
            case JSON -> polling(SharedObject.follower(TAG, ObjectCodecs.jsonTree(), options));
        };
    }

    private static Subscriber awaiting(SharedObjectFollower<byte[]> follower) {
        return new Subscriber() {
            /** Reused for every version, as the raw and Agrona peers reuse their copy. */
            private final SnapshotBuffer buffer = new SnapshotBuffer();

            {
                follower.readNewer(buffer); // what is already published does not count
            }

            @Override
            public void next(Observation into) throws InterruptedException {
                while (!follower.awaitNewer(buffer, WAIT_SLICE)) {
                    // a minute without a version: wait on (the runner ends a hung case)
                }
                Payload.read(buffer.array(), into);
            }

            @Override
            public void close() {
                follower.close();
            }
        };
    }

    private static Subscriber polling(SharedObjectFollower<JsonNode> follower) {
        return new Subscriber() {
            private JsonNode last = follower.get();

            @Override
            public void next(Observation into) {
                // get() returns the same cached tree until a new version is committed.
                JsonNode value;
                while ((value = follower.get()) == last) {
                    Thread.onSpinWait();
                }
                last = value;
                JsonPayload.read(value, into);
            }

            @Override
            public void close() {
                follower.close();
            }
        };
    }

    private ShmOptions options(PeerContext context) {
        return ShmOptions.defaults().withDirectory(context.directory()).withWaitStrategy(strategy)
                .withVerifyChecksums(verifies);
    }
}
