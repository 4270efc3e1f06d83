package io.shm4j;

/** Another process (or another master in this one) is already the master of the region. */
public final class MasterConflictException extends Shm4jException {
    private static final long serialVersionUID = 1L;
    private final long holderPid;

    public MasterConflictException(String tag, long holderPid) {
        this(tag, holderPid, "region " + tag + " already has a master (pid " + holderPid
                + "); stop that process first, or open a follower to read");
    }

    /** With its own message (e.g. a delete refused while the master runs). */
    public MasterConflictException(String tag, long holderPid, String message) {
        super(message);
        this.holderPid = holderPid;
    }

    /** Pid of the process holding the master lock, as recorded in the region (0 if unknown). */
    public long holderPid() {
        return holderPid;
    }
}
