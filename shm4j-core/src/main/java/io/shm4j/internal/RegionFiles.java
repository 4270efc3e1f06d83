package io.shm4j.internal;

import io.shm4j.InvalidTagException;
import io.shm4j.RegionShrunkException;
import io.shm4j.ShmOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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

    /** Infix of a file's creation helper: {@code <name>~new.<pid>.<n>} (FORMAT.md section 1). */
    public static final String NEW_HELPER = HELPER_SEPARATOR + "new.";

    private static final AtomicLong HELPERS = new AtomicLong();
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

    /**
     * Creates the region directory if it is missing. Every directory created, intermediate ones
     * included, gets mode 0700 (0750/0770 for the group modes) exactly, whatever the umask
     * (FORMAT.md section 1); existing directories are left as they are.
     *
     * @throws FileSystemException naming what is wrong (a path component that is not a
     *                             directory, no permission) and what to do
     */
    public static Path ensureDirectory(ShmOptions options) throws IOException {
        Path dir = directory(options);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString(switch (options.fileMode()) {
            case OWNER_ONLY -> "rwx------";
            case GROUP_READ -> "rwxr-x---";
            case GROUP_WRITE -> "rwxrwx---";
        });
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
                Files.setPosixFilePermissions(p, mode);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw new FileSystemException(dir.toString(), null, "cannot use it as the region directory: "
                            + (p.equals(dir.toAbsolutePath()) ? "it" : p) + " exists and is not a directory; "
                            + "point SHM4J_DIR (or --dir, ShmOptions.withDirectory) at a directory");
                } // else another process created it first
            } catch (AccessDeniedException e) {
                throw new AccessDeniedException(dir.toString(), null, "cannot create the region directory: no "
                        + "permission to create " + p + "; create it yourself (mkdir -m 700) or point SHM4J_DIR "
                        + "(or --dir, ShmOptions.withDirectory) at a directory you may write");
            } catch (FileSystemException e) {
                throw new FileSystemException(dir.toString(), null, "cannot create the region directory: "
                        + p + ": " + (e.getReason() != null ? e.getReason() : e.getMessage())
                        + "; point SHM4J_DIR (or --dir, ShmOptions.withDirectory) at a directory you may write");
            }
        }
        return dir;
    }

    /**
     * Opens the region file {@code file} without blocking and without following a symbolic link,
     * and refuses anything but a regular file: a FIFO named like a tag would block an open
     * forever, and a link would let whoever may write the directory send a master's writes (or
     * a follower's reads) to any file (FORMAT.md section 1).
     *
     * @param write  read-write, else read-only
     * @param region what the file is, for messages ({@code "region T"})
     * @throws NoSuchFileException   if it does not exist
     * @throws AccessDeniedException without the permission (the message says which)
     * @throws FileSystemException   if it is a link, a directory, a FIFO, ... (the message says what)
     */
    public static OpenFile open(Path file, boolean write, String region) throws IOException {
        return open(file, write, false, region);
    }

    /** As {@link #open(Path, boolean, String)}, following a symbolic link if {@code followLinks}. */
    public static OpenFile open(Path file, boolean write, boolean followLinks, String region) throws IOException {
        if (NativeFiles.unavailableReason() != null) {
            return openWithoutNative(file, write, followLinks, region);
        }
        int flags = (write ? NativeFiles.O_RDWR : NativeFiles.O_RDONLY) | NativeFiles.O_NONBLOCK
                | (followLinks ? 0 : NativeFiles.O_NOFOLLOW);
        int fd;
        try {
            fd = NativeFiles.open(file, flags, 0);
        } catch (NativeFiles.Errno e) {
            throw openFailure(e, file, write, region);
        }
        try {
            return reopen(file, fd, write, region);
        } catch (IOException | RuntimeException e) {
            NativeFiles.close(fd);
            throw e;
        }
    }

    /** A channel on the file {@code fd} is open on (a second open of its inode), checked to be a regular file. */
    private static OpenFile reopen(Path file, int fd, boolean write, String region) throws IOException {
        Path self = Path.of("/proc/self/fd/" + fd); // stat and open follow this link to fd's inode
        BasicFileAttributes a = Files.readAttributes(self, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw notRegular(file, region, kind(self, a));
        }
        FileChannel ch = write ? FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(self, StandardOpenOption.READ);
        return new OpenFile(file, ch, a.fileKey(), fd);
    }

    /**
     * Where native calls are not allowed: the same checks through {@code lstat} before the open.
     * A FIFO swapped in between the check and the open can still block it.
     */
    private static OpenFile openWithoutNative(Path file, boolean write, boolean followLinks, String region)
            throws IOException {
        LinkOption[] links = followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, links);
        if (a.isSymbolicLink()) {
            throw symbolicLink(file, region);
        }
        if (!a.isRegularFile()) {
            throw notRegular(file, region, kind(file, a));
        }
        Set<OpenOption> options = new HashSet<>(Set.of(StandardOpenOption.READ));
        if (write) {
            options.add(StandardOpenOption.WRITE);
        }
        options.addAll(Arrays.asList(links));
        return new OpenFile(file, FileChannel.open(file, options), a.fileKey(), -1);
    }

    private static IOException openFailure(NativeFiles.Errno e, Path file, boolean write, String region) {
        Path dir = file.toAbsolutePath().getParent();
        return switch (e.errno) {
            case NativeFiles.ENOENT -> e.toJdk("no such file");
            case NativeFiles.ELOOP -> Files.isSymbolicLink(file) ? symbolicLink(file, region)
                    : e.toJdk("cannot open " + region + ": too many levels of symbolic links in the path");
            case NativeFiles.EISDIR -> notRegular(file, region, "a directory");
            case NativeFiles.ENOTDIR -> e.toJdk("cannot open " + region + ": " + dir
                    + " (or a directory above it) is not a directory; point SHM4J_DIR (or --dir,"
                    + " ShmOptions.withDirectory) at a directory");
            case NativeFiles.EACCES, NativeFiles.EPERM -> e.toJdk("no " + (write ? "write" : "read")
                    + " permission on " + region + " (or on its directory " + dir + "); run as a user who may "
                    + (write ? "write" : "read") + " it");
            case NativeFiles.EROFS -> e.toJdk("cannot open " + region + " for writing: " + dir
                    + " is on a read-only file system; use a writable directory");
            default -> {
                try { // e.g. a socket: ENXIO
                    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!a.isRegularFile()) {
                        yield notRegular(file, region, kind(file, a));
                    }
                } catch (IOException ignored) {
                    // say what open(2) said
                }
                yield e.toJdk("cannot open " + region + ": " + NativeFiles.Errno.describe(e.errno));
            }
        };
    }

    /** {@code e}'s kind (no such file, access denied, exists, other) about {@code file}, with {@code reason}. */
    public static FileSystemException reworded(FileSystemException e, Path file, String reason) {
        FileSystemException r = switch (e) {
            case NoSuchFileException x -> new NoSuchFileException(file.toString(), null, reason);
            case AccessDeniedException x -> new AccessDeniedException(file.toString(), null, reason);
            case FileAlreadyExistsException x -> new FileAlreadyExistsException(file.toString(), null, reason);
            default -> new FileSystemException(file.toString(), null, reason);
        };
        r.initCause(e);
        return r;
    }

    private static FileSystemException symbolicLink(Path file, String region) {
        return new FileSystemException(file.toString(), null, region + " is a symbolic link; shm4j never"
                + " follows links in the region directory (one could send a master's writes to another file):"
                + " remove the link (shm4j rm removes the link, not its target)");
    }

    private static FileSystemException notRegular(Path file, String region, String kind) {
        return new FileSystemException(file.toString(), null, region + " is " + kind + ", not a regular file,"
                + " so it cannot be a region; remove or rename it, or use another tag");
    }

    /** "a directory", "a FIFO (named pipe)", ... for a file that is not regular. */
    private static String kind(Path file, BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        try {
            int type = (Integer) Files.getAttribute(file, "unix:mode") & 0xF000; // S_IFMT
            return switch (type) {
                case 0x1000 -> "a FIFO (named pipe)";
                case 0x2000 -> "a character device";
                case 0x6000 -> "a block device";
                case 0xC000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }

    /**
     * Creates {@code file} (which must not exist; never through a link) read-write with the
     * options' permissions, exactly, and reserves {@code size} bytes of zeros. On failure the
     * partial file is removed.
     */
    public static OpenFile createReserved(Path file, long size, ShmOptions options) throws IOException {
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString(options.fileMode().posix());
        OpenFile created;
        if (NativeFiles.unavailableReason() != null) {
            FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(mode));
            created = new OpenFile(file, ch, Files.readAttributes(file, BasicFileAttributes.class).fileKey(), -1);
        } else {
            int fd;
            try {
                fd = NativeFiles.open(file, NativeFiles.O_RDWR | NativeFiles.O_CREAT | NativeFiles.O_EXCL
                        | NativeFiles.O_NOFOLLOW, modeBits(mode));
            } catch (NativeFiles.Errno e) {
                throw createFailure(e, file);
            }
            try {
                created = reopen(file, fd, true, file.getFileName().toString());
            } catch (IOException | RuntimeException e) {
                NativeFiles.close(fd);
                Files.deleteIfExists(file);
                throw e;
            }
        }
        try {
            // The umask may have removed group bits; set exactly what was asked for.
            if (options.fileMode() != ShmOptions.FileMode.OWNER_ONLY) {
                Files.setPosixFilePermissions(file, mode);
            }
            reserve(created.channel(), 0, size, file);
            return created;
        } catch (IOException | RuntimeException e) {
            created.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private static IOException createFailure(NativeFiles.Errno e, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        String useAnother = "or point SHM4J_DIR (or --dir, ShmOptions.withDirectory) at a directory you may write";
        return switch (e.errno) {
            case NativeFiles.EACCES, NativeFiles.EPERM -> e.toJdk("cannot create it: no write permission on the"
                    + " directory " + dir + "; run as a user who may write there (its owner or group), " + useAnother);
            case NativeFiles.EROFS -> e.toJdk("cannot create it: " + dir + " is on a read-only file system; "
                    + useAnother);
            case NativeFiles.ENOENT, NativeFiles.ENOTDIR -> e.toJdk("cannot create it: the directory " + dir
                    + " does not exist (or is not a directory); " + useAnother);
            case NativeFiles.EEXIST -> e.toJdk("cannot create it: it exists");
            default -> e.toJdk("cannot create it: " + NativeFiles.Errno.describe(e.errno) + "; " + useAnother);
        };
    }

    private static int modeBits(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) {
            bits |= 0400 >> p.ordinal(); // OWNER_READ is ordinal 0 ... OTHERS_EXECUTE is 8
        }
        return bits;
    }

    /**
     * As {@link #createReserved}, but {@code file} appears only once all its space is reserved
     * and {@code initializer} has written its first bytes (and, for a master, locked it): the
     * bytes are written to the helper file {@code <name>~new.<pid>.<n>} beside it, which is then
     * hard-linked to {@code file} (failing with {@link FileAlreadyExistsException} if it exists)
     * and removed. Another process opening {@code file} never sees a half-written file.
     * Helpers left by dead processes are removed first ({@link #removeStaleHelpers}).
     */
    public static OpenFile createReservedAtomically(Path file, long size, ShmOptions options,
                                                    Initializer initializer) throws IOException {
        removeStaleHelpers(file);
        long pid = ProcessHandle.current().pid();
        Path helper = file.resolveSibling(file.getFileName() + NEW_HELPER + pid + "." + HELPERS.incrementAndGet());
        // This process never used this name before: a file under it was left by a dead process with our pid.
        Files.deleteIfExists(helper);
        OpenFile f;
        try {
            f = createReserved(helper, size, options);
        } catch (FileSystemException e) {
            throw reworded(e, file, e.getReason() != null ? e.getReason() : e.getMessage());
        }
        try {
            initializer.write(f);
            Files.createLink(file, helper);
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        } finally {
            Files.deleteIfExists(helper);
        }
    }

    /**
     * Creates the helper file {@code file} (a {@code <tag>~...} file followers write, FORMAT.md
     * 3.3 and 3.5) whole, as regions are, with {@code header} at offset 0 and zeros after it;
     * writable by every follower that may read the region ({@code 0660} unless owner-only). If
     * another process created it first, theirs is kept.
     */
    public static void createHelperFile(Path file, long size, ShmOptions options, ByteBuffer header) throws IOException {
        ShmOptions writableByFollowers = options.fileMode() == ShmOptions.FileMode.OWNER_ONLY
                ? options : options.withFileMode(ShmOptions.FileMode.GROUP_WRITE);
        try {
            createReservedAtomically(file, size, writableByFollowers, f -> uninterruptibly(() -> {
                while (header.hasRemaining()) {
                    f.channel().write(header, header.position());
                }
                return null;
            })).close();
        } catch (FileAlreadyExistsException e) {
            // another process created it first: use theirs
        }
    }

    /** {@link #createReservedAtomically(Path, long, ShmOptions, Initializer)} writing nothing; returns the channel. */
    public static FileChannel createReservedAtomically(Path file, long size, ShmOptions options) throws IOException {
        return createReservedAtomically(file, size, options, f -> { }).detach();
    }

    /**
     * Removes the {@code <name>~new.<pid>.<n>} helpers of {@code file} whose process is gone: a
     * creator killed before its link left a whole orphan file, one killed between link and
     * unlink a second name of the file (which would keep a grown-away file's space). A live
     * creator's helper is left alone.
     */
    public static void removeStaleHelpers(Path file) throws IOException {
        Path dir = file.getParent();
        String prefix = file.getFileName() + NEW_HELPER;
        try (DirectoryStream<Path> helpers = Files.newDirectoryStream(dir,
                p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path helper : helpers) {
                String rest = helper.getFileName().toString().substring(prefix.length());
                int dot = rest.indexOf('.');
                long pid;
                try {
                    pid = Long.parseLong(dot < 0 ? rest : rest.substring(0, dot));
                } catch (NumberFormatException e) {
                    continue; // not ours
                }
                if (ProcessHandle.of(pid).isEmpty()) {
                    Files.deleteIfExists(helper);
                }
            }
        } catch (NoSuchFileException | AccessDeniedException e) {
            // no directory, or not ours to clean: the create that follows says what is wrong
        }
    }

    /** Writes a new file's first bytes (and takes its lock) before others can open it. */
    @FunctionalInterface
    public interface Initializer {
        void write(OpenFile file) throws IOException;
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

    /** A call on a file's channel. */
    @FunctionalInterface
    public interface ChannelCall<R> {
        R call() throws IOException;
    }

    /**
     * Runs {@code call} with this thread's interrupt status cleared, and sets it again after: a
     * {@link FileChannel} call by an interrupted thread closes the channel (it is an
     * {@link java.nio.channels.InterruptibleChannel}) for every later call of every thread,
     * where a region's file must outlive one caller's interrupt. An interrupt that arrives
     * during the call still closes it.
     */
    public static <R> R uninterruptibly(ChannelCall<R> call) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return call.call();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The size of {@code file} now if its path still names the file of {@code key} (device and
     * inode); {@code -1} if it names another file or none. Tells a file shrunk under its mapping
     * (FORMAT.md 5.4) from one replaced.
     */
    public static long sizeIfStillNamed(Path file, Object key) {
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            return Objects.equals(key, now.fileKey()) ? now.size() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The error for an access that faulted ({@code cause}, the JVM's {@link InternalError}) in the
     * mapping of {@code mapped} bytes of the helper file {@code file} of key {@code key}
     * ({@code what}: "the follower registry"), which shrank under it; {@code next} says what
     * happens next and what to do.
     */
    public static RegionShrunkException helperShrunk(String what, Path file, Object key, long mapped, Throwable cause,
                                                     String next) {
        long size = sizeIfStillNamed(file, key);
        return new RegionShrunkException(what + " " + file + " shrank to " + (size < 0 ? "?" : Long.toString(size))
                + " bytes under this process (it maps " + mapped + "); " + next, cause);
    }

    /** Writes zeros over {@code [from, to)} so the file's pages exist before anyone maps them. */
    public static void reserve(FileChannel ch, long from, long to, Path file) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, Math.max(1, to - from)));
        try {
            uninterruptibly(() -> {
                for (long pos = from; pos < to; ) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), to - pos));
                    pos += ch.write(zeros, pos);
                }
                return null;
            });
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
