package io.shm4j.bench;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * shm4j itself: a {@link SharedObjectMaster} publishes, each follower process holds a
 * {@link SharedObjectFollower} on the same region (in the case directory) and polls
 * {@code get()}, which returns the cached object until a new version is committed, then copies,
 * checks and decodes that version once. Two encodings: raw {@code byte[]} (the payload as is) and
 * a JSON tree (the master serializes a document, the follower parses it: compare with the file
 * peer, which does the same through a file).
 */
public final class Shm4jPeer implements Peer {
    private static final String TAG = "bench";

    /** What the master publishes and the follower decodes. */
    public enum Encoding { RAW, JSON }

    private final String name;
    private final Encoding encoding;

    public Shm4jPeer(String name, Encoding encoding) {
        this.name = name;
        this.encoding = encoding;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return switch (encoding) {
            case RAW -> "shm4j SharedObject<byte[]>, follower busy-polls get() (cached until a new version)";
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
            case RAW -> subscriber(SharedObject.follower(TAG, ObjectCodecs.bytes(), options), Payload::read);
            case JSON -> subscriber(SharedObject.follower(TAG, ObjectCodecs.jsonTree(), options), JsonPayload::read);
        };
    }

    /** Reads the harness header out of a decoded object. */
    private interface HeaderReader<T> {
        void read(T value, Observation into);
    }

    private static <T> Subscriber subscriber(SharedObjectFollower<T> follower, HeaderReader<T> header) {
        return new Subscriber() {
            private T last = follower.get();

            @Override
            public void next(Observation into) {
                // get() returns the same cached object until a new version is committed.
                T value;
                while ((value = follower.get()) == last) {
                    Thread.onSpinWait();
                }
                last = value;
                header.read(value, into);
            }

            @Override
            public void close() {
                follower.close();
            }
        };
    }

    private static ShmOptions options(PeerContext context) {
        return ShmOptions.defaults().withDirectory(context.directory());
    }
}
