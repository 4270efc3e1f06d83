package io.shm4j.internal;

/**
 * Where the JVM reports a fault of an access to mapped memory: a file shrunk under its mapping
 * (FORMAT.md 5.4). The kernel sends SIGBUS; HotSpot skips the faulting instruction (a load
 * yields garbage), marks the thread, and throws {@link InternalError} at the thread's next
 * safepoint poll. In compiled code that poll can lie far from the access: at the back-edge of
 * the caller's loop, outside every {@code try} of shm4j, once shm4j's methods are inlined there.
 * {@link #here()} is such a poll, to be called inside the {@code try} right after the accesses
 * it guards, so that the fault surfaces where shm4j catches it.
 *
 * <pre>{@code
 * try {
 *     long v = region.committedAcquire();
 *     FaultPoint.here();
 *     return v;          // not garbage: a fault would have thrown above
 * } catch (InternalError fault) {
 *     ...                // the file shrank: say so
 * }
 * }</pre>
 *
 * <p>Why a loop: C2 keeps a safepoint poll on the back-edge of every loop it cannot count, and a
 * loop bounded by a volatile field cannot be counted; the loop runs its back-edge once (about a
 * nanosecond). A native call would poll too, but costs tens of nanoseconds.
 */
public final class FaultPoint {
    /** Volatile, so that the loop in {@link #here()} is never a counted loop; never changes. */
    private static volatile int passes = 2;

    private FaultPoint() {
    }

    /** A safepoint poll: a pending fault of this thread throws its {@link InternalError} here. */
    public static void here() {
        for (int i = 1; i < passes; i++) {
            // the back-edge is the poll
        }
    }
}
