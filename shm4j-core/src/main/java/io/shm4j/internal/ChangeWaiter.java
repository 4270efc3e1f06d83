package io.shm4j.internal;

import io.shm4j.IdleStrategy;
import io.shm4j.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits, with one {@link WaitStrategy}, until a condition over a shared region holds; the
 * region's 32-bit notify word (a futex word) tells waiters when to look again. The followers'
 * side of waking; the master's is {@link Notifier}. One per
 * follower, used by any number of its threads; {@link #close()} makes them all return.
 *
 * <pre>{@code
 * // follower, holding version v
 * Outcome o = waiter.await(header, NOTIFY_OFFSET, () -> committedAcquire(header) != v, timeoutNanos);
 * // master, after committing a version: its side of waking
 * notifier.signal();
 * }</pre>
 *
 * <p>Implementation notes.
 * <ul>
 * <li>The notify word is loaded (acquire) <em>before</em> the condition is checked, and the
 * kernel sleeps only while the word still holds that value. A publish that lands between the
 * check and the sleep has already changed the word (the master commits first, then increments
 * notify, then wakes), so {@code FUTEX_WAIT} returns at once instead of sleeping through it.
 * Checking first and loading after would lose exactly that wake-up.</li>
 * <li>A thread sets its follower's asleep bit in the tag's {@link FollowerRegistry} before its
 * first kernel wait and clears it when {@link #await} returns, so that the master may skip
 * {@code FUTEX_WAKE} while no bit is set: Dekker's pattern with {@link Notifier#signal()}, whose
 * notes give the fences.</li>
 * <li>A follower without a registry entry (no write access to the registry, or it is full) never
 * sleeps in the kernel, since no master would know to wake it: it polls. So does one while the
 * tag's legacy sleepers file says an old master may publish ({@link Sleepers}), and one whose
 * registry or sleepers file shrank under it (the entry is lost, or who publishes is unknown).</li>
 * <li>The futex calls are shared, not private, so that waiters in every process mapping the
 * file meet the master's wake-up ({@link Futex}).</li>
 * <li>Followers never write the region: waiting only reads the word, and the wake-up on
 * {@link #close()} is a {@code FUTEX_WAKE}, which does not touch memory. Their mapping stays
 * read-only, and a follower needs only read permission on the file.</li>
 * <li>{@code close()} sets the closed flag, then wakes the words its threads sleep on, again
 * and again until every thread has left {@link #await}: a thread that checked the flag just
 * before it was set and went to sleep just after the first wake is caught by the next one.
 * Other processes' waiters on the same word wake too, find nothing new and sleep again.</li>
 * <li>A native call cannot be interrupted, so a kernel wait lasts at most
 * {@link #BLOCK_SLICE_NANOS} (1 s by default); then the thread checks its interrupt status and
 * sleeps again. The slice is a trade between how late an interrupt is noticed and what an idle
 * follower costs: each slice's end runs rarely executed, hence interpreted, code (its native
 * scratch memory is reused per thread, see {@link Futex}). In the bench harness's 10 s idle
 * window a whole idle follower JVM used 0.1% of a core with 1 s slices, and 0.8-1.3% with 250 ms
 * slices and an arena allocated per wait (docs/BENCHMARKS.md).</li>
 * <li>{@code close()} returns only when no thread is inside {@link #await} (or after
 * {@link #CLOSE_WAIT_NANOS}), so the caller may unmap the region afterwards: a thread in
 * {@code FUTEX_WAIT} holds its segment's arena open.</li>
 * </ul>
 */
public final class ChangeWaiter implements AutoCloseable {

    /** Why {@link #await} returned. */
    public enum Outcome {
        /** The condition holds. */
        READY,
        /** The timeout passed first. */
        TIMED_OUT,
        /** The waiter was closed. */
        CLOSED
    }

    /**
     * System property: the longest single kernel wait in milliseconds (default 1000). Longer
     * slices wake an idle follower less often; an interrupt is noticed within one slice.
     */
    public static final String BLOCK_SLICE_PROPERTY = "shm4j.blockSliceMillis";
    /** Longest single kernel wait: bounds how late an interrupt is noticed. */
    static final long BLOCK_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(
            Math.max(1, Long.getLong(BLOCK_SLICE_PROPERTY, 1000)));
    /**
     * How many times {@link FollowedRegion#changesSoon} checks before a spinning wait becomes a
     * full {@link #await}: a few microseconds, the time a master at full rate takes to publish
     * again. Those checks read no clock (26-32 ns a read on the 2-core test VM, whose clock source
     * is kvm-clock) and do not touch the registry entry, so a follower keeping up with its master
     * goes from one version to the next with nothing but loads (docs/BENCHMARKS.md, "The slot by
     * a branch, and the spinning follower's way back").
     */
    public static final int QUICK_CHECKS = 64;
    /** How long {@link WaitStrategy#SPIN_THEN_BLOCK} spins before it sleeps. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    /** Longest {@link #close()} waits for threads to leave {@link #await}. */
    static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How often {@link #close()} looks whether every thread has left {@link #await}. */
    private static final long CLOSE_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    /** The notify word, little-endian like every field (FORMAT.md 3); native order wherever futexes exist. */
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    private final WaitStrategy requested;
    private final WaitStrategy effective;
    /** How {@link WaitStrategy#BACKOFF} polls. */
    private final IdleStrategy idle;
    /** The follower's registry entry; null if unregistered (then it never sleeps in the kernel). */
    private final FollowerRegistry.Entry entry;
    /** The tag's legacy sleepers file, consulted before each kernel wait; null if unusable. */
    private final Sleepers legacy;
    private final AtomicInteger inside = new AtomicInteger();
    private final Set<Word> sleepingOn = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private ChangeWaiter(WaitStrategy requested, WaitStrategy effective, IdleStrategy idle,
                         FollowerRegistry.Entry entry, Sleepers legacy) {
        this.requested = requested;
        this.effective = effective;
        this.idle = idle;
        this.entry = entry;
        this.legacy = legacy;
    }

    /** True if {@code strategy} sleeps in the kernel, and so needs futexes and a registry entry. */
    public static boolean sleepsInKernel(WaitStrategy strategy) {
        return strategy == WaitStrategy.BLOCK || strategy == WaitStrategy.SPIN_THEN_BLOCK;
    }

    /**
     * A waiter for {@code strategy}, polling with {@code idle} where it polls with
     * {@link WaitStrategy#BACKOFF}. {@link WaitStrategy#BLOCK} and
     * {@link WaitStrategy#SPIN_THEN_BLOCK} need {@link Futex#isAvailable()}, a registry
     * {@code entry} and the {@code legacy} sleepers file; without them they poll with
     * {@link WaitStrategy#BACKOFF} (after spinning, for the latter), and the first such waiter
     * in the JVM logs one notice.
     *
     * @param entry  the follower's registry entry, told when threads wait and sleep; null if unregistered
     * @param legacy the tag's legacy sleepers file; null if unusable
     */
    public static ChangeWaiter create(WaitStrategy strategy, IdleStrategy idle, FollowerRegistry.Entry entry,
                                     Sleepers legacy) {
        WaitStrategy effective = strategy;
        if (sleepsInKernel(strategy) && (!Futex.isAvailable() || entry == null || legacy == null)) {
            effective = WaitStrategy.BACKOFF;
            if (FALLBACK_LOGGED.compareAndSet(false, true)) {
                String why = !Futex.isAvailable() ? "kernel waits unavailable: " + Futex.unavailableReason()
                        : entry == null ? "not registered in the follower registry" : "no usable sleepers file";
                System.getLogger("io.shm4j").log(System.Logger.Level.INFO,
                        "shm4j: {0}; followers waiting with {1} poll with BACKOFF instead", why, strategy);
            }
        }
        return new ChangeWaiter(strategy, effective, idle, entry, legacy);
    }

    /** True if waits begin by spinning ({@link WaitStrategy#BUSY_SPIN}, {@link WaitStrategy#SPIN_THEN_BLOCK}). */
    public boolean spinsFirst() {
        return effective == WaitStrategy.BUSY_SPIN || effective == WaitStrategy.SPIN_THEN_BLOCK;
    }

    /** How {@link WaitStrategy#BACKOFF} polls. */
    public IdleStrategy idleStrategy() {
        return idle;
    }

    /** The strategy asked for. */
    public WaitStrategy requested() {
        return requested;
    }

    /** The strategy used: {@link #requested()}, or {@link WaitStrategy#BACKOFF} where futexes are unavailable. */
    public WaitStrategy effective() {
        return effective;
    }

    /**
     * Waits until {@code ready} returns true, {@code timeoutNanos} pass, or this waiter is closed.
     * {@code ready} is evaluated after each change of the notify word at {@code offset} in
     * {@code region} (and, for the polling strategies, on every poll); it must only read.
     *
     * @param timeoutNanos how long to wait; {@link Long#MAX_VALUE} for no limit
     * @throws InterruptedException if the thread is interrupted (noticed within one kernel slice)
     */
    public Outcome await(MemorySegment region, long offset, BooleanSupplier ready, long timeoutNanos)
            throws InterruptedException {
        inside.incrementAndGet();
        Word word = null;
        try {
            if (entry != null) {
                entry.waiting(); // inside: it rethrows a fault of the region pending from before
            }
            long start = System.nanoTime();
            for (int round = 0; ; round++) {
                int seen = (int) INT.getAcquire(region, offset);
                if (ready.getAsBoolean()) {
                    return Outcome.READY;
                }
                if (closed) {
                    return Outcome.CLOSED;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long waited = System.nanoTime() - start;
                if (waited >= timeoutNanos) {
                    return Outcome.TIMED_OUT;
                }
                long left = timeoutNanos - waited;
                switch (effective) {
                    case BUSY_SPIN -> Thread.onSpinWait();
                    case YIELD -> Thread.yield();
                    case BACKOFF -> idle.idle(round);
                    case BLOCK, SPIN_THEN_BLOCK -> {
                        if (effective == WaitStrategy.SPIN_THEN_BLOCK && waited < SPIN_NANOS) {
                            Thread.onSpinWait();
                        } else if (word != null || (word = sleepOn(region, offset)) != null) {
                            Futex.await(region, offset, seen, Math.min(left, BLOCK_SLICE_NANOS));
                        } else {
                            idle.idle(round); // no master would know to wake us (class notes)
                        }
                    }
                }
            }
        } finally {
            try {
                if (word != null) {
                    entry.awake();
                    sleepingOn.remove(word);
                }
                if (entry != null) {
                    entry.done();
                }
            } finally {
                inside.decrementAndGet(); // even if a fault of the region surfaces above: close() waits for it
            }
        }
    }

    /**
     * Before a thread's first kernel wait in an {@link #await}: sets its follower's asleep bit
     * (a full fence, before the kernel compares the word: class notes) and returns the word it
     * sleeps on; null, and nothing set, if no master would know to wake it (class notes).
     */
    private Word sleepOn(MemorySegment region, long offset) {
        if (legacy.oldMasterMayPublish()) {
            return null;
        }
        Word word = new Word(region, offset);
        sleepingOn.add(word);
        if (!entry.asleep()) {
            sleepingOn.remove(word);
            return null;
        }
        return word;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Makes every thread in {@link #await} return {@link Outcome#CLOSED} and returns when they
     * have left (at most {@link #CLOSE_WAIT_NANOS}); later awaits return {@code CLOSED} at once.
     * Wakes the words those threads sleep on, which needs no write access.
     */
    @Override
    public void close() {
        closed = true;
        long start = System.nanoTime();
        while (inside.get() > 0 && System.nanoTime() - start < CLOSE_WAIT_NANOS) {
            for (Word w : sleepingOn) {
                Futex.wakeAll(w.region, w.offset);
            }
            LockSupport.parkNanos(CLOSE_POLL_NANOS);
        }
    }

    /** A futex word one thread of this waiter sleeps on (identity equality: one per await). */
    private static final class Word {
        final MemorySegment region;
        final long offset;

        Word(MemorySegment region, long offset) {
            this.region = region;
            this.offset = offset;
        }
    }
}
