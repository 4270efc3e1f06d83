package io.shm4j.etcd;

/**
 * A mirror's state for one tag changed, as told to an {@link EtcdMirror.Listener}.
 *
 * <pre>{@code
 * MirrorOptions.of(endpoints).withListener(e -> System.err.println(e));   // "ACTIVE config: pushing ..."
 * }</pre>
 *
 * @param tag     the tag
 * @param role    push or pull
 * @param state   the new state
 * @param message what happened, for people: names the etcd key, a holder, a limit
 */
public record MirrorEvent(String tag, EtcdMirror.Role role, State state, String message) {
    /** Where a mirror of one tag stands. */
    public enum State {
        /** Connecting to etcd, taking the pusher role, or waiting for the local region to exist. */
        STARTING,
        /** Mirroring: pushing each new local version, or publishing each etcd revision locally. */
        ACTIVE,
        /** Push: another pusher holds the tag; this one takes over when that pusher's lease ends. */
        STANDBY,
        /** etcd is unreachable or failing; retrying, and resuming where it stopped. */
        DISCONNECTED,
        /**
         * One version was not mirrored and the mirror goes on: a push of an object over the
         * etcd request limit, or a pull of a value that is not a whole shm4j mirror record.
         */
        REJECTED,
        /** This tag is not mirrored: its local region has another master (pull). */
        REFUSED,
        /** Stopped. */
        CLOSED
    }

    @Override
    public String toString() {
        return state + " " + tag + ": " + message;
    }
}
