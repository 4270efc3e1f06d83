package io.shm4j.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A region file opened by {@link RegionFiles#open} or created by {@link RegionFiles#createReserved}:
 * a {@link FileChannel} (to read, write and map it), the file's key (device and inode) and,
 * while kept, the {@code open(2)} descriptor that can hold the master lock.
 *
 * <p>The channel is a second open of the same inode (through {@code /proc/self/fd/N}), so the
 * lock taken on the descriptor survives anything done with the channel or any other descriptor
 * of the file; it lasts until {@link #unlock} or {@link #close}.
 */
public final class OpenFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final Object key;
    private int fd; // -1 once closed, or where native calls are unavailable

    OpenFile(Path path, FileChannel channel, Object key, int fd) {
        this.path = path;
        this.channel = channel;
        this.key = key;
        this.fd = fd;
    }

    /** The path it was opened by. */
    public Path path() {
        return path;
    }

    public FileChannel channel() {
        return channel;
    }

    /** Device and inode, as {@code Files.readAttributes(..).fileKey()} reports them. */
    public Object key() {
        return key;
    }

    /**
     * Takes the master lock: an exclusive open-file-description lock on the whole file
     * (FORMAT.md 5.3), without waiting.
     *
     * @return false if another process (or another open in this one) holds it
     * @throws IOException if the lock cannot be tried here (no native access)
     */
    public boolean tryLock() throws IOException {
        if (fd < 0) {
            String why = NativeFiles.unavailableReason();
            throw new IOException("cannot take the master lock on " + path + ": "
                    + (why != null ? why : "its descriptor is closed"));
        }
        try {
            return NativeFiles.tryLockExclusive(fd, path);
        } catch (NativeFiles.Errno e) {
            throw e.toJdk("cannot lock it: " + NativeFiles.Errno.describe(e.errno));
        }
    }

    /** Releases the master lock; the channel stays open. */
    public void unlock() throws IOException {
        if (fd >= 0) {
            try {
                NativeFiles.unlock(fd, path);
            } catch (NativeFiles.Errno e) {
                throw e.toJdk("cannot unlock it: " + NativeFiles.Errno.describe(e.errno));
            }
        }
    }

    /** Closes the descriptor (releasing any lock on it) and returns the channel, now the caller's. */
    public FileChannel detach() {
        closeDescriptor();
        return channel;
    }

    private void closeDescriptor() {
        if (fd >= 0) {
            int f = fd;
            fd = -1;
            NativeFiles.close(f);
        }
    }

    /** Closes the descriptor (releasing the lock) and the channel. */
    @Override
    public void close() throws IOException {
        try {
            closeDescriptor();
        } finally {
            channel.close();
        }
    }
}
