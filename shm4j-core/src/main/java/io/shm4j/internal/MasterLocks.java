package io.shm4j.internal;

import java.nio.channels.FileChannel;
import java.util.HashMap;
import java.util.Map;

/**
 * The region files this JVM holds the master lock on, by file key (device and inode).
 *
 * <p>Implementation notes. The master lock is an fcntl record lock, and POSIX ties those locks
 * to the (process, file) pair: closing <em>any</em> descriptor of the file in the process
 * releases them. So while this JVM is master of a file, nothing else in it may open and close a
 * descriptor of that file: a follower in the same JVM maps through the master's channel instead,
 * and a second master attempt is refused before it opens anything. Every open of an object
 * region by path, and every rename of one by a master, happens while holding {@link #MONITOR},
 * so "is this file held here?" and the open that follows are atomic with respect to this JVM's
 * own renames. Other processes' renames cannot hurt: their locks are not ours.
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
