package io.shm4j.internal;

import io.shm4j.RegionShrunkException;
import io.shm4j.ShmOptions;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A master's answer to "may a follower sleep in the kernel?" after each publish (FORMAT.md 5.6):
 * some registered follower's asleep bit, or an old follower's count in the legacy sleepers
 * file. Without a usable registry the answer is always yes (wake regardless).
 *
 * <p>A follower killed while asleep leaves its bit set; when the master finds bits set it
 * checks, at most once per {@link #RECLAIM_INTERVAL_NANOS}, whether their processes still
 * live, and reclaims the dead ones, so such a bit costs a few wake-ups, not one per publish for
 * ever. The check runs only on publishes that enter the kernel anyway.
 *
 * <p>If either file shrinks under the master (another program truncated it), a publish faults
 * on its mapping; the publish's handler asks {@link #lost} (cold), and from then on the answer is
 * always yes and neither mapping is touched again: the lost pages may have held a sleeper's bit
 * or count, so only waking on every publish keeps every sleeper woken (FORMAT.md 5.6). Nothing
 * is added to the publish's path: the sleepers file's reference, loaded there anyway, is what
 * turns null.
 */
public final class MasterWakeups {
    /** Shortest time between two checks for dead sleepers. */
    static final long RECLAIM_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** What a master does once a file shrank, and what to do (lost). */
    private static final String WAKES = "every publish of this master calls FUTEX_WAKE from now on; remove the file"
            + " (followers and masters recreate it) and restart the master and its followers to use a new one";

    /** The registry, for listing too; null if unusable. */
    private final FollowerRegistry registry;
    /** The legacy sleepers file; null where every publish wakes: no usable registry, or a file {@link #lost}. */
    private Sleepers legacy;
    private long lastReclaimNanos;
    private boolean reclaimedOnce;

    /** Package-private for the jcstress tests; a master opens its files with {@link #open}. */
    MasterWakeups(FollowerRegistry registry, Sleepers legacy) {
        this.registry = registry;
        this.legacy = legacy;
    }

    /** Opens (creating them if missing) the registry and the legacy sleepers file of {@code regionFile}. */
    public static MasterWakeups open(String tag, Path regionFile, ShmOptions options) {
        String consequence = "every publish of " + tag + " calls FUTEX_WAKE";
        FollowerRegistry registry = FollowerRegistry.openOrNull(regionFile, options, consequence);
        Sleepers legacy = registry == null ? null : Sleepers.openOrNull(regionFile, options, true, consequence);
        return new MasterWakeups(legacy == null ? null : registry, legacy);
    }

    /** The registry, or null if unusable. */
    public FollowerRegistry registry() {
        return registry;
    }

    /**
     * Whether a follower sleeps on the notify word, as a plain look tells: no fence, no reclaim
     * of dead sleepers. What a publish orders its CRC-32 by ({@link Notifier#sleepersSeen()}).
     */
    boolean sleepersSeen() {
        return legacy == null || legacy.countVolatile() != 0 || registry.anyAsleep();
    }

    /**
     * Whether some follower may sleep on the notify word. Call after the notify store and a
     * full fence ({@link Notifier#signal()}).
     */
    boolean mayHaveSleepers() {
        if (legacy == null) {
            return true;
        }
        if (legacy.countVolatile() != 0) {
            return true;
        }
        if (!registry.anyAsleep()) {
            return false;
        }
        long now = System.nanoTime();
        if (!reclaimedOnce || now - lastReclaimNanos >= RECLAIM_INTERVAL_NANOS) {
            reclaimedOnce = true;
            lastReclaimNanos = now;
            if (registry.reclaimDeadSleepers() > 0) {
                return registry.anyAsleep();
            }
        }
        return true;
    }

    /**
     * After a fault of a publish (cold: system calls): whether the registry or the sleepers
     * file shrank under this master. If so, every later publish wakes, touching neither mapping
     * (class notes), and one warning names the file; {@code fault} is its cause.
     */
    boolean lost(InternalError fault) {
        if (legacy == null) {
            return false; // neither mapping is touched: the fault was the region's
        }
        RegionShrunkException shrunk = registry.hasShrunk() ? registry.shrunk(fault, WAKES)
                : legacy.hasShrunk() ? legacy.shrunk(fault, WAKES) : null;
        if (shrunk == null) {
            return false;
        }
        legacy = null;
        System.getLogger("io.shm4j").log(System.Logger.Level.WARNING, "shm4j: " + shrunk.getMessage());
        return true;
    }
}
