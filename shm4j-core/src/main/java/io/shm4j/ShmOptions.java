package io.shm4j;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where regions live and how they are created. Immutable; each {@code with…} returns a copy.
 *
 * <pre>{@code
 * ShmOptions opts = ShmOptions.defaults()
 *         .withDirectory(Path.of("/dev/shm/myapp"))
 *         .withFileMode(FileMode.GROUP_READ)
 *         .withWaitStrategy(WaitStrategy.BLOCK)
 *         .withFollowerName("billing-worker")          // shown by master.followers()
 *         .withCreationTimeout(Duration.ofSeconds(10)); // a follower waits for its master to create the region
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
 * @param followerName  what a follower calls itself in the tag's follower registry (at most
 *                      {@link #MAX_FOLLOWER_NAME_BYTES} bytes of UTF-8, no control characters);
 *                      empty by default
 * @param creationTimeout how long {@link SharedObject#follower} waits for a missing region to be
 *                      created before it throws {@link RegionNotFoundException}; zero (the
 *                      default) does not wait
 * @param verifyChecksums whether a follower checks the CRC-32 of every version it copies (the
 *                      default); see {@link #withVerifyChecksums}. Masters always write it.
 */
public record ShmOptions(Path directory, FileMode fileMode, int maxObjectSize, WaitStrategy waitStrategy,
                         IdleStrategy idleStrategy, String followerName, Duration creationTimeout,
                         boolean verifyChecksums) {

    /** Default {@link #maxObjectSize()}: 64 MiB. */
    public static final int DEFAULT_MAX_OBJECT_SIZE = 64 << 20;
    /** Longest {@link #followerName()}, in bytes of UTF-8. */
    public static final int MAX_FOLLOWER_NAME_BYTES = 64;

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
        Objects.requireNonNull(followerName, "followerName");
        Objects.requireNonNull(creationTimeout, "creationTimeout");
        if (maxObjectSize < 0) {
            throw new IllegalArgumentException("maxObjectSize must be >= 0, got " + maxObjectSize);
        }
        if (followerName.getBytes(StandardCharsets.UTF_8).length > MAX_FOLLOWER_NAME_BYTES
                || followerName.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("follower name '" + followerName + "' is not 0-" + MAX_FOLLOWER_NAME_BYTES
                    + " bytes of UTF-8 without control characters");
        }
        if (creationTimeout.isNegative()) {
            throw new IllegalArgumentException("creationTimeout must be >= 0, got " + creationTimeout);
        }
    }

    /**
     * Default directory, {@link FileMode#OWNER_ONLY}, 64 MiB objects, {@link WaitStrategy#SPIN_THEN_BLOCK},
     * {@link IdleStrategy#backoff()}, no follower name, no waiting for creation, verified reads.
     */
    public static ShmOptions defaults() {
        return new ShmOptions(null, FileMode.OWNER_ONLY, DEFAULT_MAX_OBJECT_SIZE, WaitStrategy.SPIN_THEN_BLOCK,
                IdleStrategy.backoff(), "", Duration.ZERO, true);
    }

    public ShmOptions withDirectory(Path directory) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }

    public ShmOptions withFileMode(FileMode fileMode) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }

    public ShmOptions withMaxObjectSize(int maxObjectSize) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }

    public ShmOptions withWaitStrategy(WaitStrategy waitStrategy) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }

    /** The polling of {@link WaitStrategy#BACKOFF} waits; see {@link IdleStrategy} for an example. */
    public ShmOptions withIdleStrategy(IdleStrategy idleStrategy) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }

    /** What followers opened with these options call themselves in {@code master.followers()}. */
    public ShmOptions withFollowerName(String followerName) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }

    /** How long a follower waits for a missing region to be created (zero: not at all). */
    public ShmOptions withCreationTimeout(Duration creationTimeout) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }

    /**
     * Whether followers opened with these options check each copied version's CRC-32 (FORMAT.md
     * 5.2). {@code false} skips the check and gives up detecting damage to a payload (a stray
     * write into the file, a faulty writer in another language, bad memory): such bytes are
     * returned as they are. It does not give up whole versions: the slot's sequence number still
     * guarantees that a copy is never torn, and length, version and content type are still
     * checked. What it gains: from 64 KiB on, the CRC-32 costs about as much as the copy, so an
     * unverified read moves bytes at up to twice the rate (docs/BENCHMARKS.md). The master
     * always writes the CRC-32, so other followers of the same region still verify.
     *
     * <pre>{@code
     * // a follower of large, frequently published frames that trusts the host's memory
     * var frames = SharedObject.follower("frames", ObjectCodecs.bytes(),
     *         ShmOptions.defaults().withVerifyChecksums(false));
     * }</pre>
     */
    public ShmOptions withVerifyChecksums(boolean verifyChecksums) {
        return new ShmOptions(directory, fileMode, maxObjectSize, waitStrategy, idleStrategy, followerName, creationTimeout, verifyChecksums);
    }
}
