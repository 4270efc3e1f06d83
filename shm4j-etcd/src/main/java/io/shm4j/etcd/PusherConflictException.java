package io.shm4j.etcd;

import io.shm4j.Shm4jException;

/**
 * Another pusher, on this host or another, holds the pusher role for the tag: there is one per
 * tag across hosts. Start the pusher with standby ({@link MirrorOptions#withStandby}, CLI
 * {@code --standby}) to wait and take over when that pusher's lease ends.
 */
public final class PusherConflictException extends Shm4jException {
    private static final long serialVersionUID = 1L;
    private final String holderHost;
    private final long holderPid;

    PusherConflictException(String tag, String key, String holderHost, long holderPid) {
        super("tag " + tag + " is already pushed to " + key + " by host " + holderHost + " pid " + holderPid
                + "; stop that pusher, or add --standby to take over when its lease ends");
        this.holderHost = holderHost;
        this.holderPid = holderPid;
    }

    /** The host of the pusher holding the role. */
    public String holderHost() {
        return holderHost;
    }

    /** Its process id. */
    public long holderPid() {
        return holderPid;
    }
}
