package io.shm4j.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One way to get a payload from a master process to follower processes: shm4j itself, the raw
 * shared-memory limit, or an alternative. The harness runs every peer the same way (see
 * {@link PeerProcess}); a peer only opens its two ends.
 */
public interface Peer {

    /** Short name used by {@code --only} and in the results, e.g. {@code uds}. */
    String name();

    /** One line for the report: what is measured and how the follower waits. */
    String description();

    /** Why this peer cannot run on this machine, or {@code null} when it can. */
    default String unavailableReason() {
        return null;
    }

    /**
     * Whether a waiting follower busy-polls (burns its core): such followers are swept only up to
     * one per core beyond the master's, since more measure the scheduler, not the peer.
     */
    default boolean busyPolls() {
        return false;
    }

    /** Whether the peer needs a server process (Redis); the smoke test runs only the others. */
    default boolean needsServer() {
        return false;
    }

    /**
     * Whether a follower can lose a message that is still the newest one (Agrona: a lapped
     * receiver drops the record it detects the lap on). The master then repeats its stop message
     * until every follower acknowledged it. Streams deliver everything; latest-value peers keep
     * the newest message visible.
     */
    default boolean mayDropNewest() {
        return false;
    }

    /** Extra JVM options for this peer's forked master and follower JVMs. */
    default List<String> jvmOptions() {
        return List.of();
    }

    /** Starts whatever server the peer needs for a series of cases; closed after the last. */
    default PeerServer startServer(Path workDir) throws Exception {
        return PeerServer.NONE;
    }

    /** The master's end. Creates the shared resources; must not block on followers. */
    Publisher publisher(PeerContext context) throws Exception;

    /** Follower {@code index}'s end; called after the master created its resources. */
    Subscriber subscriber(PeerContext context, int index) throws Exception;

    /** The master's end of a peer. */
    interface Publisher extends AutoCloseable {
        /** Blocks until every follower is connected (stream peers); others return at once. */
        default void acceptFollowers() throws Exception {
        }

        /** Publishes {@code payload} to every follower (whole, {@link Payload} layout). */
        void publish(byte[] payload) throws Exception;
    }

    /** A follower's end of a peer. */
    interface Subscriber extends AutoCloseable {
        /**
         * Waits for the next message (a stream peer) or a newer one than the last returned (a
         * latest-value peer), brings the whole payload into this process's heap and records its
         * header in {@code into}.
         */
        void next(Observation into) throws Exception;
    }

    /** A server started for a peer (Redis), or {@link #NONE}. */
    interface PeerServer extends AutoCloseable {
        PeerServer NONE = new PeerServer() {
            @Override
            public Map<String, String> properties() {
                return Map.of();
            }

            @Override
            public void close() {
            }
        };

        /** Properties handed to the peer's processes through {@link PeerContext#property}. */
        Map<String, String> properties();

        @Override
        void close() throws Exception;
    }
}
