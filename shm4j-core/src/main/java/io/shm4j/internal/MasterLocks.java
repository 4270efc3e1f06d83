package io.shm4j.internal;

import java.nio.channels.FileChannel;
import java.util.HashMap;
import java.util.Map;

/**
 * The region files this JVM holds the master lock on, by file key (device and inode).
 *
 * <p>Implementation notes. The lock itself is an open-file-description lock on the master's own
 * descriptor ({@link OpenFile#tryLock}), which no other open or close in this process can drop,
 * so this registry is not what keeps it. It serves two things: a second master of the same file
 * in this JVM is refused before it opens anything, naming this JVM's pid; and a follower in the
 * master's JVM maps through the master's channel instead of opening the file again. Every open
 * of an object region by path, and every rename of one by a master, happens while holding
 * {@link #MONITOR}, so "is this file held here?" and the open that follows are atomic with
 * respect to this JVM's own renames.
 */
public final class MasterLocks {
    /** Held across "look up file key, then open or rename". */
    public static final Object MONITOR = new Object();
    private static final Map<Object, FileChannel> HELD = new HashMap<>();

    private MasterLocks() {
    }

    /** The locked channel of {@code fileKey} if this JVM is its master, else {@code null}. Hold {@link #MONITOR}. */
    static FileChannel held(Object fileKey) {
        assert Thread.holdsLock(MONITOR);
        return HELD.get(fileKey);
    }

    static void register(Object fileKey, FileChannel channel) {
        assert Thread.holdsLock(MONITOR);
        HELD.put(fileKey, channel);
    }

    static void unregister(Object fileKey) {
        assert Thread.holdsLock(MONITOR);
        HELD.remove(fileKey);
    }
}
