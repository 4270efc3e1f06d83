package io.shm4j;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where regions live and how they are created. Immutable; each {@code with…} returns a copy.
 *
 * <pre>{@code
 * ShmOptions opts = ShmOptions.defaults()
 *         .withDirectory(Path.of("/dev/shm/myapp"))
 *         .withFileMode(FileMode.GROUP_READ)
 *         .withWaitStrategy(WaitStrategy.BLOCK);
 * }</pre>
 *
 * @param directory     the region directory, or {@code null} for the default: {@code SHM4J_DIR}
 *                      if set, else {@code /dev/shm/shm4j} where {@code /dev/shm} exists, else
 *                      {@code shm4j} under {@code java.io.tmpdir}
 * @param fileMode      permissions of newly created region files
 * @param maxObjectSize largest payload a shared object accepts, in bytes
 * @param waitStrategy  how a follower waits for a new version ({@link WaitStrategy#SPIN_THEN_BLOCK} by default)
 * @param idleStrategy  how a follower polls between looks when it waits with {@link WaitStrategy#BACKOFF}
 *                      ({@link IdleStrategy#backoff()} by default)
 */
public record ShmOptions(Path directory, FileMode fileMode, int maxObjectSize, WaitStrategy waitStrategy,
                         IdleStrategy idleStrategy) {

    /** Default {@link #maxObjectSize()}: 64 MiB. */
    public static final int DEFAULT_MAX_OBJECT_SIZE = 64 << 20;

    /** Permissions of region files shm4j creates. */
    public enum FileMode {
        /** {@code 0600}: only the owner's processes can map the region. */
        OWNER_ONLY("rw-------"),
        /** {@code 0640}: the group may read (followers of another user in the group). */
        GROUP_READ("rw-r-----"),
        /** {@code 0660}: the group may read and write. */
        GROUP_WRITE("rw-rw----");

        private final String posix;

        FileMode(String posix) {
            this.posix = posix;
        }

        /** The mode as {@link java.nio.file.attribute.PosixFilePermissions#fromString} spells it. */
        public String posix() {
            return posix;
        }
    }

    public ShmOptions {
        Objects.requireNonNull(fileMode, "fileMode");
        Objects.requireNonNull(waitStrategy, "waitStrategy");
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        if (maxObjectSize < 0) {
            throw new IllegalArgumentException("maxObjectSize must be >= 0, got " + maxObjectSize);
        }
    }

    /**
     * Default directory, {@link FileMode#OWNER_ONLY}, 64 MiB objects, {@link WaitStrategy#SPIN_THEN_BLOCK},
     * {@link IdleStrategy#backoff()}.
     */
    public static ShmOptions defaults() {
        return new ShmOptions(null, FileMode.OWNER_ONLY, DEFAULT_MAX_OBJECT_SIZE, WaitStrategy.SPIN_THEN_BLOCK,
                IdleStrategy.backoff());
    }

    public ShmOptions withDirectory(Path directory) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy);
    }

    public ShmOptions withFileMode(FileMode fileMode) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy);
    }

    public ShmOptions withMaxObjectSize(int maxObjectSize) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy);
    }

    public ShmOptions withWaitStrategy(WaitStrategy waitStrategy) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy);
    }

    /** The polling of {@link WaitStrategy#BACKOFF} waits; see {@link IdleStrategy} for an example. */
    public ShmOptions withIdleStrategy(IdleStrategy idleStrategy) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy);
    }
}
