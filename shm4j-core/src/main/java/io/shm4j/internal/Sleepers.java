package io.shm4j.internal;

import io.shm4j.RegionShrunkException;
import io.shm4j.ShmOptions;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;

import static io.shm4j.internal.SleepersDescriptor.*;

/**
 * A tag's legacy sleepers file ({@code <tag>~sleepers}, FORMAT.md 3.5): the count that shm4j
 * versions before the {@link FollowerRegistry} kept of their sleeping followers. It stays so
 * that old and new processes can share a tag safely during an upgrade:
 * <ul>
 * <li>a new master marks the file {@link SleepersDescriptor#REGISTRY_FORMAT_VERSION} (in place,
 * so old followers that mapped it keep counting into the same word) and wakes while the count is
 * not zero, besides whenever a registered follower sleeps;</li>
 * <li>old processes that open the file afterwards refuse that version: old followers poll, old
 * masters wake on every publish;</li>
 * <li>a new follower sleeps in the kernel only while the file says
 * {@code REGISTRY_FORMAT_VERSION}: version 1 means an old master (which wakes only for the count)
 * may be publishing, so it polls until a new master takes the tag.</li>
 * </ul>
 * The mapping belongs to an automatic arena and is unmapped when this object is garbage. A file
 * that shrinks under it (another program truncated it) is lost: a follower polls from then on
 * ({@link #oldMasterMayPublish()}), a master wakes on every publish ({@link MasterWakeups}).
 */
public final class Sleepers {
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final String POLLS = "followers of this tag in this process poll instead of sleeping in the kernel"
            + " from now on; remove the file (followers and masters recreate it) and restart them to sleep again";

    private final Path file;
    /** Device and inode of the mapped file (null for fresh memory): tells it shrunk from replaced. */
    private final Object fileKey;
    private final MemorySegment segment;
    /** Whether the file shrank under a follower's mapping, which is then not touched any more. */
    private volatile boolean lost;

    /** Package-private for the jcstress tests; processes {@link #open} the file. */
    Sleepers(Path file, Object fileKey, MemorySegment segment) {
        this.file = file;
        this.fileKey = fileKey;
        this.segment = segment;
    }

    /** The sleepers file of the region file {@code regionFile}. */
    public static Path fileOf(Path regionFile) {
        return regionFile.resolveSibling(regionFile.getFileName() + FILE_SUFFIX);
    }

    /**
     * Opens the sleepers file of {@code regionFile}, creating it (version 2, whole, through a
     * private name and a link) if it does not exist. A master maps it read-write and marks a
     * version 1 file version 2; a follower maps it read-only.
     *
     * @throws IOException if it cannot be created or opened, or is not a sleepers file
     */
    public static Sleepers open(Path regionFile, ShmOptions options, boolean master) throws IOException {
        Path file = fileOf(regionFile);
        for (int attempt = 0; ; attempt++) {
            try {
                Sleepers s = map(file, master);
                if (master) {
                    s.markRegistryVersion();
                }
                return s;
            } catch (NoSuchFileException e) {
                if (attempt > 0) {
                    throw e; // created, and removed again at once
                }
                create(file, options);
            }
        }
    }

    /**
     * As {@link #open}, but returns null (after logging why, and what that costs) if the file
     * cannot be used.
     *
     * @param consequence what the caller does without it, for the log line
     */
    public static Sleepers openOrNull(Path regionFile, ShmOptions options, boolean master, String consequence) {
        try {
            return open(regionFile, options, master);
        } catch (IOException | RuntimeException e) {
            System.getLogger("io.shm4j").log(System.Logger.Level.WARNING,
                    "shm4j: cannot use the sleepers file {0} ({1}); {2}", fileOf(regionFile), e.toString(), consequence);
            return null;
        }
    }

    private static void create(Path file, ShmOptions options) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        RegionFiles.createHelperFile(file, FILE_LENGTH, options, header.put(MAGIC).putInt(REGISTRY_FORMAT_VERSION).flip());
    }

    private static Sleepers map(Path file, boolean writable) throws IOException {
        OpenFile opened = RegionFiles.open(file, writable, "the sleepers file");
        try (FileChannel ch = opened.detach()) {
            return RegionFiles.uninterruptibly(() -> {
                ByteBuffer header = RegionFiles.readFully(ch, ByteBuffer.allocate(SLEEPERS_OFFSET), 0);
                String problem = problem(file, ch.size(), header);
                if (problem != null) {
                    throw new IOException(problem);
                }
                return new Sleepers(file, opened.key(), ch.map(writable ? FileChannel.MapMode.READ_WRITE
                        : FileChannel.MapMode.READ_ONLY, 0, FILE_LENGTH, Arena.ofAuto()));
            });
        }
    }

    /** Why a file of {@code size} bytes starting with {@code header} is not a sleepers file; null if it is one. */
    private static String problem(Path file, long size, ByteBuffer header) {
        if (size != FILE_LENGTH) {
            return file + " is " + size + " bytes, not a shm4j sleepers file of " + FILE_LENGTH
                    + "; remove it (followers and masters recreate it)";
        }
        header.order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        header.get(MAGIC_OFFSET, magic);
        int version = header.getInt(FORMAT_VERSION_OFFSET);
        if (!Arrays.equals(magic, MAGIC) || (version != FORMAT_VERSION && version != REGISTRY_FORMAT_VERSION)) {
            return file + " is not a shm4j sleepers file of format version " + FORMAT_VERSION + " or "
                    + REGISTRY_FORMAT_VERSION + "; remove it (followers and masters recreate it)";
        }
        return null;
    }

    /**
     * The count in the sleepers file of {@code regionFile}, read without creating or mapping
     * anything (for operators' tools); empty if there is no usable file.
     */
    public static OptionalInt peekCount(Path regionFile) {
        try {
            Path file = fileOf(regionFile);
            ByteBuffer b = ByteBuffer.allocate(FILE_LENGTH);
            long size;
            try (FileChannel ch = RegionFiles.open(file, false, "the sleepers file").detach()) {
                size = RegionFiles.uninterruptibly(() -> {
                    RegionFiles.readFully(ch, b, 0);
                    return ch.size();
                });
            }
            if (problem(file, size, b) != null) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(b.getInt(SLEEPERS_OFFSET));
        } catch (IOException e) {
            return OptionalInt.empty();
        }
    }

    /** The count old followers keep (volatile load); see {@link Notifier#signal()} for the fence before it. */
    public int countVolatile() {
        return (int) INT.getVolatile(segment, (long) SLEEPERS_OFFSET);
    }

    /**
     * True while the file is version 1: a master of a version before the registry may be
     * publishing. True too once the file shrank under this follower (who publishes is unknown
     * then; logged once). For a follower, before a kernel wait.
     */
    public boolean oldMasterMayPublish() {
        if (lost) {
            return true;
        }
        try {
            boolean old = (int) INT.getAcquire(segment, (long) FORMAT_VERSION_OFFSET) == FORMAT_VERSION;
            FaultPoint.here();
            return old;
        } catch (InternalError fault) {
            if (!hasShrunk()) {
                throw fault; // pending from another mapping (the region's)
            }
            synchronized (this) {
                if (!lost) {
                    lost = true;
                    System.getLogger("io.shm4j").log(System.Logger.Level.WARNING,
                            "shm4j: " + shrunk(fault, POLLS).getMessage());
                }
            }
            return true;
        }
    }

    /** A new master's mark (class notes); we hold the master lock: no old master publishes any more. */
    private void markRegistryVersion() throws IOException {
        try {
            if ((int) INT.getAcquire(segment, (long) FORMAT_VERSION_OFFSET) == FORMAT_VERSION) {
                INT.setRelease(segment, (long) FORMAT_VERSION_OFFSET, REGISTRY_FORMAT_VERSION);
            }
            FaultPoint.here();
        } catch (InternalError fault) {
            throw new IOException(shrunk(fault, "remove it (followers and masters recreate it)").getMessage(), fault);
        }
    }

    /** Whether the file lost its page under this mapping: it is shorter, or was replaced. Cold: a system call. */
    boolean hasShrunk() {
        return RegionFiles.sizeIfStillNamed(file, fileKey) < FILE_LENGTH;
    }

    /** The error for a fault ({@code cause}) of this mapping, whose file shrank; {@code next}: what happens, what to do. */
    RegionShrunkException shrunk(Throwable cause, String next) {
        return RegionFiles.helperShrunk("the sleepers file", file, fileKey, FILE_LENGTH, cause, next);
    }

    /** The file. */
    public Path file() {
        return file;
    }
}
