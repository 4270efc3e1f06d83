package io.shm4j.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The master's side of waking (FORMAT.md 5.6): after a change (a new committed version, a
 * supersede, a new master) it makes waiters on a region's notify word look again. The
 * followers' side is {@link ChangeWaiter}; the two meet only in shared memory, as iceoryx2's
 * {@code Notifier} and {@code Listener} do. Who may be asleep is answered in one place,
 * {@link MasterWakeups}: the tag's follower registry and its legacy sleepers count.
 *
 * <pre>{@code
 * Notifier notifier = region.notifier(wakeups);    // per mapping the master writes
 * // ... store the new committed version (release) ...
 * notifier.signal();
 * }</pre>
 *
 * <p>Implementation notes: the word is stored plus one (release; the master is its only
 * writer), then, unless {@link MasterWakeups} says nobody sleeps, {@code FUTEX_WAKE} wakes every
 * kernel waiter on it in any process. Between the store and the load of the asleep bits a full
 * fence: Dekker's pattern with the waiter, which sets its asleep bit (a locked instruction) before
 * the kernel compares the word. One of the two then sees the other's write: either the master finds a
 * sleeper and wakes, or the waiter's {@code FUTEX_WAIT} finds the word changed and returns at
 * once. Without the fence, x86's store buffer alone could let both read stale values: a
 * sleeper nobody wakes until its slice ends ({@link ChangeWaiter}).
 */
public final class Notifier {
    /** The notify word, little-endian like every field (FORMAT.md 3); native order wherever futexes exist. */
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final MemorySegment region;
    private final long offset;
    private final MasterWakeups wakeups;
    /** Whether the last {@link #signal()} called {@code FUTEX_WAKE}; a master signals under its lock. */
    private boolean wokeLast;

    /**
     * @param region   the mapping holding the notify word
     * @param offset   the word's offset
     * @param wakeups  who may sleep on the word, or null to wake regardless (waiters of a file that
     *                 is being replaced, a new master)
     */
    public Notifier(MemorySegment region, long offset, MasterWakeups wakeups) {
        this.region = region;
        this.offset = offset;
        this.wakeups = wakeups;
    }

    /**
     * Whether a follower sleeps in the kernel on the word now, as a plain look tells, or slept
     * at the last {@link #signal()}; true where this notifier wakes regardless. A publish orders
     * its CRC-32 by it (ObjectRegionWriter). The last signal counts because a follower that
     * spins a little and then sleeps ({@code SPIN_THEN_BLOCK}) may still spin when a large
     * publish starts and be asleep by its commit, as it was at the last one.
     */
    public boolean sleepersSeen() {
        return wokeLast || wakeups == null || wakeups.sleepersSeen();
    }

    /**
     * Makes waiters look again: call after the change is stored.
     *
     * @return whether it called {@code FUTEX_WAKE}
     */
    public boolean signal() {
        INT.setRelease(region, offset, (int) INT.getAcquire(region, offset) + 1);
        wokeLast = Futex.isAvailable() && wake();
        return wokeLast;
    }

    /** {@code FUTEX_WAKE} unless nobody sleeps; whether it was called. */
    private boolean wake() {
        if (wakeups != null) {
            // StoreLoad: the notify store above must be visible before the asleep bits are read,
            // or a waiter going to sleep now could miss both the new word and the wake (class notes).
            VarHandle.fullFence();
            if (!wakeups.mayHaveSleepers()) {
                return false;
            }
        }
        Futex.wakeAll(region, offset);
        return true;
    }
}
