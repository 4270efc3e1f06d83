package io.shm4j.internal;

import io.shm4j.ShmOptions;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalInt;

import static io.shm4j.internal.SleepersDescriptor.*;

/**
 * The count of follower threads of a tag that may be asleep in the kernel, kept in the tag's
 * sleepers file ({@code <tag>~sleepers}, FORMAT.md 3.3) so that a master can skip
 * {@code FUTEX_WAKE} when nobody sleeps.
 *
 * <pre>{@code
 * Sleepers sleepers = Sleepers.open(regionFile, options);
 * sleepers.register();      // follower, before its first FUTEX_WAIT
 * ...                       // FUTEX_WAIT, as often as it likes
 * sleepers.unregister();    // when it stops waiting
 * }</pre>
 *
 * <p>Implementation notes.
 * <ul>
 * <li>The count lives outside the object region because followers never write the region (they
 * may have only read permission on it). The sleepers file is writable by everyone who may follow:
 * it is created {@code 0660} when the region's mode lets the group read. Whoever may write it can
 * only make masters wake needlessly or, by lowering it, delay waiters by up to one kernel wait
 * slice; never corrupt data.</li>
 * <li>{@link #register()} and {@link #unregister()} are atomic adds with volatile (sequentially
 * consistent) semantics, a locked instruction: the same store the kernel's
 * {@code FUTEX_WAKE_OP} with {@code FUTEX_OP_ADD} makes, which is how languages without atomics
 * (CPython) register. The reasoning about fences is in {@link Notifier#signal()}.</li>
 * <li>A follower killed while registered leaves the count too high: masters then wake on every
 * publish, as they would with no count at all. It is never too low except by a foreign write.</li>
 * <li>The mapping belongs to an automatic arena and is unmapped when this object is garbage;
 * threads that still register or unregister after their follower closed thus never touch
 * unmapped memory.</li>
 * </ul>
 */
public final class Sleepers {
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final Path file;
    private final MemorySegment segment;

    private Sleepers(Path file, MemorySegment segment) {
        this.file = file;
        this.segment = segment;
    }

    /** The sleepers file of the region file {@code regionFile}. */
    public static Path fileOf(Path regionFile) {
        return regionFile.resolveSibling(regionFile.getFileName() + FILE_SUFFIX);
    }

    /**
     * Opens the sleepers file of {@code regionFile} for reading and writing, creating it (whole,
     * through a private name and a link, as regions are) if it does not exist.
     *
     * @throws IOException if it cannot be created or opened, or is not a sleepers file
     */
    public static Sleepers open(Path regionFile, ShmOptions options) throws IOException {
        Path file = fileOf(regionFile);
        for (int attempt = 0; ; attempt++) {
            try {
                return map(file);
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
    public static Sleepers openOrNull(Path regionFile, ShmOptions options, String consequence) {
        try {
            return open(regionFile, options);
        } catch (IOException | RuntimeException e) {
            System.getLogger("io.shm4j").log(System.Logger.Level.WARNING,
                    "shm4j: cannot use the sleepers file {0} ({1}); {2}", fileOf(regionFile), e.toString(), consequence);
            return null;
        }
    }

    private static void create(Path file, ShmOptions options) throws IOException {
        ShmOptions writableByFollowers = options.fileMode() == ShmOptions.FileMode.OWNER_ONLY
                ? options : options.withFileMode(ShmOptions.FileMode.GROUP_WRITE);
        try {
            RegionFiles.createReservedAtomically(file, FILE_LENGTH, writableByFollowers, f -> {
                ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC).putInt(FORMAT_VERSION).flip();
                while (header.hasRemaining()) {
                    f.channel().write(header, MAGIC_OFFSET + header.position());
                }
            }).close();
        } catch (FileAlreadyExistsException e) {
            // another process created it first: use theirs
        }
    }

    private static Sleepers map(Path file) throws IOException {
        try (FileChannel ch = RegionFiles.open(file, true, "the sleepers file").detach()) {
            ByteBuffer header = RegionFiles.readFully(ch, ByteBuffer.allocate(SLEEPERS_OFFSET), 0);
            String problem = problem(file, ch.size(), header);
            if (problem != null) {
                throw new IOException(problem);
            }
            return new Sleepers(file, ch.map(FileChannel.MapMode.READ_WRITE, 0, FILE_LENGTH, Arena.ofAuto()));
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
        if (!Arrays.equals(magic, MAGIC) || header.getInt(FORMAT_VERSION_OFFSET) != FORMAT_VERSION) {
            return file + " is not a shm4j sleepers file of format version " + FORMAT_VERSION
                    + "; remove it (followers and masters recreate it)";
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
                size = ch.size();
                while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                    // fill
                }
            }
            if (problem(file, size, b.flip()) != null) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(b.getInt(SLEEPERS_OFFSET));
        } catch (IOException e) {
            return OptionalInt.empty();
        }
    }

    /** This thread may sleep from now on: adds one (volatile, a full fence). */
    public void register() {
        INT.getAndAdd(segment, (long) SLEEPERS_OFFSET, 1);
    }

    /** This thread no longer sleeps: subtracts one (volatile). */
    public void unregister() {
        INT.getAndAdd(segment, (long) SLEEPERS_OFFSET, -1);
    }

    /** The count (volatile load); see {@link Notifier#signal()} for the fence before it. */
    public int countVolatile() {
        return (int) INT.getVolatile(segment, (long) SLEEPERS_OFFSET);
    }

    /** The file. */
    public Path file() {
        return file;
    }
}
