package io.shm4j.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Linux futex operations on a 32-bit word of a memory segment (normally a mapped region file),
 * called through the FFM {@link Linker} on libc's {@code syscall(2)}.
 *
 * <pre>{@code
 * int seen = (int) NOTIFY.getAcquire(header, NOTIFY_OFFSET);
 * if (!changed()) {
 *     Futex.await(header, NOTIFY_OFFSET, seen, TimeUnit.MILLISECONDS.toNanos(50));
 * }
 * }</pre>
 *
 * <p>Implementation notes.
 * <ul>
 * <li>The operations are <em>shared</em> ({@code FUTEX_WAIT}/{@code FUTEX_WAKE} without
 * {@code FUTEX_PRIVATE_FLAG}): the kernel then keys a waiter by the file's inode and offset,
 * not by the process's address space, so a waiter in one process is found by a waker in another
 * that maps the same file at a different address. A private futex would never be woken.</li>
 * <li>{@code FUTEX_WAIT} only reads the word and {@code FUTEX_WAKE} does not touch it, so both
 * work on a {@code READ_ONLY} mapping: a follower can wait, and wake its own process's waiters
 * on close, without write access to the region.</li>
 * <li>{@code syscall} is variadic; every argument after the syscall number is passed as a
 * 64-bit value, which is what glibc's and musl's {@code syscall} read. The kernel truncates
 * {@code op} and {@code val} to their 32-bit parameter types.</li>
 * <li>The timeout of {@code FUTEX_WAIT} is relative (a {@code struct timespec}, measured on
 * {@code CLOCK_MONOTONIC}). After {@code EINTR} (a signal) the wait is retried with the time
 * left, so callers see only a wake, a changed value, or a timeout.</li>
 * <li>Without {@code --enable-native-access} the JDK prints one warning when the downcall
 * handles are made; nothing else changes. With {@code --illegal-native-access=deny} making the
 * handles fails and {@link #isAvailable()} is false, so callers poll instead.</li>
 * </ul>
 */
public final class Futex {

    /** System property that, set to {@code false}, turns futex use off (callers poll instead). */
    public static final String ENABLED_PROPERTY = "shm4j.futex";

    /** {@link #await} result: woken by a {@code FUTEX_WAKE} (or spuriously). */
    public static final int WOKEN = 0;
    /** {@link #await} result: the word did not hold the expected value ({@code EAGAIN}). */
    public static final int VALUE_CHANGED = 1;
    /** {@link #await} result: the timeout passed ({@code ETIMEDOUT}). */
    public static final int TIMED_OUT = 2;

    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int ETIMEDOUT = 110;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final StructLayout TIMESPEC = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("tv_sec"), ValueLayout.JAVA_LONG.withName("tv_nsec"));

    private static final Native NATIVE = Native.load();
    /** FUTEX_WAKE calls made by this JVM, for tests that check a publish enters the kernel only when needed. */
    private static final LongAdder WAKES = new LongAdder();
    /**
     * Each thread's native memory for {@link #await}: made once, not per call, because an idle
     * waiter's calls are few and run interpreted, where allocating and freeing an arena per call
     * is most of their cost. Freed when the thread and its arena are garbage.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Futex() {
    }

    /**
     * True if futex calls work here: Linux on a known architecture, libc's {@code syscall} found,
     * native access allowed, a probe {@code FUTEX_WAKE} succeeded, and {@value #ENABLED_PROPERTY}
     * is not {@code false}.
     */
    public static boolean isAvailable() {
        return NATIVE.error == null;
    }

    /** How many {@code FUTEX_WAKE} calls this JVM made (tests: a publish with no sleeper makes none). */
    public static long wakeCount() {
        return WAKES.sum();
    }

    /** Why futexes are not available, or {@code null} if they are. */
    public static String unavailableReason() {
        return NATIVE.error;
    }

    /**
     * {@code FUTEX_WAIT}: if the 32-bit word at {@code offset} still holds {@code expected}, sleeps
     * until a {@link #wakeAll} on the same word (from any process), a spurious wake-up, or
     * {@code timeoutNanos}. Signals ({@code EINTR}) are absorbed by waiting again for the rest.
     *
     * @return {@link #WOKEN}, {@link #VALUE_CHANGED} or {@link #TIMED_OUT}
     * @throws IllegalStateException if futexes are unavailable or the kernel refuses the call
     */
    public static int await(MemorySegment segment, long offset, int expected, long timeoutNanos) {
        Native n = NATIVE.require();
        MemorySegment word = word(segment, offset);
        long left = Math.max(0, timeoutNanos);
        long deadline = System.nanoTime() + left;
        try {
            Scratch scratch = SCRATCH.get();
            MemorySegment state = scratch.state;
            MemorySegment timespec = scratch.timespec;
            while (true) {
                timespec.set(ValueLayout.JAVA_LONG, 0, left / NANOS_PER_SECOND);
                timespec.set(ValueLayout.JAVA_LONG, 8, left % NANOS_PER_SECOND);
                long r = (long) n.waitHandle.invokeExact(state, n.sysFutex, word, (long) FUTEX_WAIT,
                        (long) expected, timespec, MemorySegment.NULL, 0L);
                if (r == 0) {
                    return WOKEN;
                }
                int errno = (int) n.errno.get(state, 0L);
                switch (errno) {
                    case EAGAIN -> {
                        return VALUE_CHANGED;
                    }
                    case ETIMEDOUT -> {
                        return TIMED_OUT;
                    }
                    case EINTR -> {
                        left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return TIMED_OUT;
                        }
                    }
                    default -> throw new IllegalStateException("FUTEX_WAIT failed with errno " + errno);
                }
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("FUTEX_WAIT call failed", t);
        }
    }

    /**
     * {@code FUTEX_WAKE} of every waiter on the 32-bit word at {@code offset}, in any process.
     * Does not write the word, so it works on a read-only mapping.
     *
     * @return the number of waiters woken
     * @throws IllegalStateException if futexes are unavailable or the kernel refuses the call
     */
    public static int wakeAll(MemorySegment segment, long offset) {
        return wake(segment, offset, Integer.MAX_VALUE);
    }

    /**
     * {@code FUTEX_WAKE} of at most {@code count} waiters on the 32-bit word at {@code offset}, in
     * any process: the kernel wakes those that have waited longest first (among waiters of equal
     * priority). Does not write the word, so it works on a read-only mapping.
     *
     * @return the number of waiters woken
     * @throws IllegalStateException if futexes are unavailable or the kernel refuses the call
     */
    public static int wake(MemorySegment segment, long offset, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("wake count must be positive, got " + count);
        }
        WAKES.increment();
        Native n = NATIVE.require();
        MemorySegment word = word(segment, offset);
        long r;
        try {
            r = (long) n.wakeHandle.invokeExact(n.sysFutex, word, (long) FUTEX_WAKE, (long) count,
                    MemorySegment.NULL, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("FUTEX_WAKE call failed", t);
        }
        if (r < 0) {
            throw new IllegalStateException("FUTEX_WAKE failed (returned " + r + ") on a valid, aligned word");
        }
        return (int) r;
    }

    private static MemorySegment word(MemorySegment segment, long offset) {
        MemorySegment word = segment.asSlice(offset, ValueLayout.JAVA_INT.byteSize());
        if (!word.isNative() || (word.address() & 3) != 0) {
            throw new IllegalArgumentException("a futex word must be a 4-byte aligned word of native memory, got "
                    + word + " at offset " + offset);
        }
        return word;
    }

    private static final class Scratch {
        final MemorySegment state;
        final MemorySegment timespec;

        Scratch() {
            Arena arena = Arena.ofAuto();
            state = arena.allocate(Linker.Option.captureStateLayout());
            timespec = arena.allocate(TIMESPEC);
        }
    }

    /** The downcall handles, made once; {@code error} says why there are none. */
    private static final class Native {
        final String error;
        final long sysFutex;
        final MethodHandle waitHandle;
        final MethodHandle wakeHandle;
        final VarHandle errno;

        private Native(String error, long sysFutex, MethodHandle waitHandle, MethodHandle wakeHandle, VarHandle errno) {
            this.error = error;
            this.sysFutex = sysFutex;
            this.waitHandle = waitHandle;
            this.wakeHandle = wakeHandle;
            this.errno = errno;
        }

        Native require() {
            if (error != null) {
                throw new IllegalStateException("futex unavailable: " + error);
            }
            return this;
        }

        static Native load() {
            if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true").strip())) {
                return unavailable("turned off by -D" + ENABLED_PROPERTY + "=false");
            }
            String os = System.getProperty("os.name", "");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                return unavailable("not Linux (" + os + ")");
            }
            long sysFutex = switch (System.getProperty("os.arch", "")) {
                case "amd64", "x86_64" -> 202;
                case "aarch64", "riscv64" -> 98;
                default -> -1;
            };
            if (sysFutex < 0) {
                return unavailable("no futex syscall number known for " + System.getProperty("os.arch"));
            }
            try {
                Linker linker = Linker.nativeLinker();
                MemorySegment syscall = linker.defaultLookup().find("syscall").orElse(null);
                if (syscall == null) {
                    return unavailable("libc has no syscall function");
                }
                // long syscall(long number, ...): uaddr, op, val, timeout, uaddr2, val3
                FunctionDescriptor futex = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
                MethodHandle wait = linker.downcallHandle(syscall, futex,
                        Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
                // Not Linker.Option.critical: it measured no faster here (the system call dominates).
                MethodHandle wake = linker.downcallHandle(syscall, futex, Linker.Option.firstVariadicArg(1));
                VarHandle errno = Linker.Option.captureStateLayout()
                        .varHandle(MemoryLayout.PathElement.groupElement("errno"));
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment probe = arena.allocate(ValueLayout.JAVA_INT);
                    long r = (long) wake.invokeExact(sysFutex, probe, (long) FUTEX_WAKE, 1L,
                            MemorySegment.NULL, MemorySegment.NULL, 0L);
                    if (r != 0) {
                        return unavailable("probe FUTEX_WAKE returned " + r);
                    }
                }
                return new Native(null, sysFutex, wait, wake, errno);
            } catch (Throwable t) {
                return unavailable("native call not possible: " + t);
            }
        }

        private static Native unavailable(String why) {
            return new Native(why, -1, null, null, null);
        }
    }
}
