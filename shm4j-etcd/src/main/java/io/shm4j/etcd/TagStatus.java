package io.shm4j.etcd;

/**
 * The live, mutable status of one tag in one mirror: updated by the mirror's worker, snapshotted
 * as a {@link MirrorStatus} for {@link EtcdMirror#status()} and the status file. Thread-safe.
 */
final class TagStatus {
    private final String tag;
    private final EtcdMirror.Role role;
    private final String key;
    private final MirrorOptions options;
    private MirrorEvent.State state = MirrorEvent.State.STARTING;
    private String message = "starting";
    private long lastRevision;
    private String sourceHost = "";
    private long sourceVersion;
    private long localVersion;
    private long sourcePublishTimeNanos;
    private long mirroredTimeNanos;
    private boolean dirty = true;

    TagStatus(String tag, EtcdMirror.Role role, String key, MirrorOptions options) {
        this.tag = tag;
        this.role = role;
        this.key = key;
        this.options = options;
    }

    String tag() {
        return tag;
    }

    /** Moves to {@code next} and tells the listener, unless this is the same state and message. */
    void state(MirrorEvent.State next, String why) {
        synchronized (this) {
            if (next == state && why.equals(message)) {
                return;
            }
            state = next;
            message = why;
            dirty = true;
        }
        tell(options, new MirrorEvent(tag, role, next, why));
    }

    /** Tells the options' listener about {@code event}; a listener's failure is logged, not thrown. */
    static void tell(MirrorOptions options, MirrorEvent event) {
        try {
            options.listener().stateChanged(event);
        } catch (RuntimeException e) {
            System.getLogger(EtcdMirror.class.getName()).log(System.Logger.Level.WARNING,
                    "mirror listener failed on " + event.tag() + ": " + e, e);
        }
    }

    synchronized MirrorEvent.State state() {
        return state;
    }

    /**
     * Records that a version was mirrored: etcd mod revision {@code revision}, published by
     * {@code host} as its version {@code version} at {@code publishTimeNanos}; {@code local} here.
     */
    synchronized void mirrored(long revision, String host, long version, long publishTimeNanos, long local) {
        lastRevision = revision;
        sourceHost = host;
        sourceVersion = version;
        sourcePublishTimeNanos = publishTimeNanos;
        localVersion = local;
        mirroredTimeNanos = EtcdMirror.nowNanos();
        dirty = true;
    }

    synchronized long lastRevision() {
        return lastRevision;
    }

    /** A snapshot; {@code clean} marks it written (the status file is current). */
    synchronized MirrorStatus snapshot(boolean clean) {
        if (clean) {
            dirty = false;
        }
        return new MirrorStatus(tag, role, state, message, ProcessHandle.current().pid(), options.hostName(),
                options.endpointList(), key, lastRevision, sourceHost, sourceVersion, localVersion,
                sourcePublishTimeNanos, mirroredTimeNanos, System.currentTimeMillis());
    }

    synchronized boolean dirty() {
        return dirty;
    }
}
