package io.shm4j.internal;

import io.shm4j.InvalidTagException;
import io.shm4j.ShmOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The region directory: where a tag's file lives, which tags are valid, and how region files
 * are created and grown with their space reserved.
 *
 * <p>Space is reserved by writing zeros, not by {@code ftruncate}: a sparse file on a tmpfs
 * allocates its pages on first touch, and a full {@code /dev/shm} then kills the toucher with
 * SIGBUS (an {@link InternalError} in Java) instead of failing the create with an
 * {@link IOException}. Files are only ever grown here; shrinking a file that another process
 * maps makes that process's reads fail.
 */
public final class RegionFiles {

    /** Longest tag accepted. */
    public static final int MAX_TAG_LENGTH = 200;

    /**
     * Separator for shm4j's own helper files beside a tag's file (e.g. a region being grown):
     * {@code '~'} is not allowed in tags, so these never collide with a region.
     */
    public static final char HELPER_SEPARATOR = '~';

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_TAG_LENGTH + "}");
    private static final int ZERO_CHUNK = 1 << 20;

    private RegionFiles() {
    }

    /** Returns {@code tag} if it is a valid region tag, else throws {@link InvalidTagException}. */
    public static String validateTag(String tag) {
        if (tag == null) {
            throw new InvalidTagException("region tag is null; a tag is 1-" + MAX_TAG_LENGTH
                    + " characters of A-Z a-z 0-9 . _ -");
        }
        if (!TAG.matcher(tag).matches() || tag.equals(".") || tag.equals("..")) {
            throw new InvalidTagException("invalid region tag '" + printable(tag) + "': a tag is 1-"
                    + MAX_TAG_LENGTH + " characters of A-Z a-z 0-9 . _ - (no '/', not '.' or '..')");
        }
        return tag;
    }

    /** True if {@code name} is a valid tag (a file in the directory that is a region). */
    public static boolean isTag(String name) {
        return TAG.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /** The region directory the options name, else {@code SHM4J_DIR}, else the platform default. */
    public static Path directory(ShmOptions options) {
        if (options.directory() != null) {
            return options.directory();
        }
        String env = System.getenv("SHM4J_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Path devShm = Path.of("/dev/shm");
        if (Files.isDirectory(devShm)) {
            return devShm.resolve("shm4j");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "shm4j");
    }

    /** The file of {@code tag} in the options' directory; validates the tag. */
    public static Path file(String tag, ShmOptions options) {
        return directory(options).resolve(validateTag(tag));
    }

    /** Creates the region directory (mode 0700, or 0750/0770 for group modes) if it is missing. */
    public static Path ensureDirectory(ShmOptions options) throws IOException {
        Path dir = directory(options);
        if (!Files.isDirectory(dir)) {
            String mode = switch (options.fileMode()) {
                case OWNER_ONLY -> "rwx------";
                case GROUP_READ -> "rwxr-x---";
                case GROUP_WRITE -> "rwxrwx---";
            };
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(dir);
            }
        }
        return dir;
    }

    /**
     * Creates {@code file} (which must not exist) with the options' permissions and reserves
     * {@code size} bytes of zeros. On failure the partial file is removed.
     */
    public static FileChannel createReserved(Path file, long size, ShmOptions options) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString(options.fileMode().posix())));
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException e) {
            ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        try {
            // The umask may have removed group bits; set exactly what was asked for.
            if (options.fileMode() != ShmOptions.FileMode.OWNER_ONLY) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(options.fileMode().posix()));
            }
            reserve(ch, 0, size, file);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * As {@link #createReserved}, but {@code file} appears only once all its space is reserved:
     * the bytes are written to a helper file beside it, which is then hard-linked to
     * {@code file} (failing with {@link FileAlreadyExistsException} if the tag exists) and
     * removed. Another process opening the tag never sees a half-reserved file.
     */
    public static FileChannel createReservedAtomically(Path file, long size, ShmOptions options) throws IOException {
        return createReservedAtomically(file, size, options, ch -> { });
    }

    /**
     * As {@link #createReservedAtomically(Path, long, ShmOptions)}, with {@code initializer}
     * writing the file's first bytes (a header) before it appears under its name.
     */
    public static FileChannel createReservedAtomically(Path file, long size, ShmOptions options,
                                                       Initializer initializer) throws IOException {
        Path helper = file.resolveSibling(file.getFileName() + String.valueOf(HELPER_SEPARATOR) + "new-"
                + ProcessHandle.current().pid() + "-" + System.nanoTime());
        FileChannel ch = createReserved(helper, size, options);
        try {
            initializer.write(ch);
            Files.createLink(file, helper);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        } finally {
            Files.deleteIfExists(helper);
        }
    }

    /** Writes a new file's first bytes before others can open it. */
    @FunctionalInterface
    public interface Initializer {
        void write(FileChannel channel) throws IOException;
    }

    /**
     * Reads from {@code position} into {@code buffer} until it is full or the file ends; returns
     * {@code buffer}, flipped (its limit is what was read).
     */
    public static ByteBuffer readFully(FileChannel ch, ByteBuffer buffer, long position) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining() && ch.read(buffer, position + buffer.position() - start) > 0) {
            // a read may return fewer bytes than asked
        }
        return buffer.flip();
    }

    /** Writes zeros over {@code [from, to)} so the file's pages exist before anyone maps them. */
    public static void reserve(FileChannel ch, long from, long to, Path file) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, Math.max(1, to - from)));
        long pos = from;
        try {
            while (pos < to) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), to - pos));
                pos += ch.write(zeros, pos);
            }
        } catch (IOException e) {
            throw new IOException("cannot reserve " + to + " bytes for " + file + " in " + file.getParent()
                    + " (" + e.getMessage() + "); free space there or ask for a smaller region", e);
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 60; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return s.length() > 60 ? b + "..." : b.toString();
    }
}
