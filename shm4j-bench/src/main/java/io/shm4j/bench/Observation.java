package io.shm4j.bench;

/** What a follower observed: the header of the message it now holds. Reused, one per follower. */
public final class Observation {
    private long seq;
    private long sentNanos;
    private int phase;

    public void set(long seq, long sentNanos, int phase) {
        this.seq = seq;
        this.sentNanos = sentNanos;
        this.phase = phase;
    }

    public long seq() {
        return seq;
    }

    public long sentNanos() {
        return sentNanos;
    }

    public int phase() {
        return phase;
    }
}
