package io.shm4j.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code open(2)}, {@code close(2)} and open-file-description locks ({@code F_OFD_SETLK}),
 * called through the FFM {@link Linker}: what {@link java.nio.channels.FileChannel} cannot do
 * (open without blocking on a FIFO, hand out the descriptor, take a lock the process's other
 * descriptors of the file cannot drop).
 *
 * <p>Implementation notes.
 * <ul>
 * <li>Why OFD locks: a classic POSIX record lock ({@code F_SETLK}, what
 * {@code FileChannel.tryLock} takes) belongs to the (process, file) pair and is released when
 * the process closes <em>any</em> descriptor of the file, e.g. a {@code Files.readAllBytes} of
 * it. An OFD lock belongs to the open file description: only closing the last descriptor of
 * that open releases it. The kernel makes OFD and POSIX locks on the same bytes conflict, so an
 * old master holding a POSIX lock still excludes a new one and vice versa (FORMAT.md 5.3).</li>
 * <li>{@code open} and {@code fcntl} are variadic: the mode and the {@code struct flock} pointer
 * are passed as variadic arguments ({@link Linker.Option#firstVariadicArg}).</li>
 * <li>{@code struct flock} is the same on x86-64, aarch64 and riscv64: {@code short l_type,
 * short l_whence, off_t l_start, off_t l_len, pid_t l_pid}, at 0, 2, 8, 16, 24; 32 bytes.
 * {@code l_pid} must be 0 for {@code F_OFD_SETLK}.</li>
 * <li>Open flags are the kernel's generic values except {@code O_NOFOLLOW}, which aarch64 moved
 * (0x8000 there, 0x20000 elsewhere).</li>
 * <li>Paths are passed as UTF-8, which is how Linux paths are almost always encoded; the JVM
 * itself decodes paths by {@code sun.jnu.encoding}, which is UTF-8 under any UTF-8 locale.</li>
 * </ul>
 */
final class NativeFiles {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int O_NOFOLLOW = "aarch64".equals(System.getProperty("os.arch")) ? 0x8000 : 0x20000;

    private static final int F_OFD_SETLK = 37;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;
    private static final long FLOCK_SIZE = 32;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int ELOOP = 40;

    private NativeFiles() {
    }

    /** Why these calls cannot be made here (e.g. native access denied), or null if they can. */
    static String unavailableReason() {
        return Native.ERROR;
    }

    /**
     * {@code open(path, flags, mode)}, retried on {@code EINTR}.
     *
     * @return the descriptor
     * @throws Errno the failure, with its errno
     */
    static int open(Path path, int flags, int mode) throws Errno {
        MethodHandle open = Native.require(Native.Open.HANDLE, "open");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment cPath = arena.allocateFrom(path.toString());
            while (true) {
                int fd = (int) open.invokeExact(state, cPath, flags | O_CLOEXEC, mode);
                if (fd >= 0) {
                    return fd;
                }
                int errno = (int) Native.ErrnoField.HANDLE.get(state, 0L);
                if (errno != EINTR) {
                    throw new Errno(errno, path);
                }
            }
        } catch (Errno | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open(2) call failed", t);
        }
    }

    /**
     * Takes an exclusive OFD lock on the whole file ({@code l_start = 0, l_len = 0}) without
     * waiting.
     *
     * @return false if another open of the file holds a conflicting lock (OFD or POSIX)
     */
    static boolean tryLockExclusive(int fd, Path path) throws Errno {
        return setLock(fd, F_WRLCK, path);
    }

    /** Releases this open's OFD lock (closing its last descriptor does so too). */
    static void unlock(int fd, Path path) throws Errno {
        setLock(fd, F_UNLCK, path);
    }

    private static boolean setLock(int fd, short type, Path path) throws Errno {
        MethodHandle fcntl = Native.require(Native.Fcntl.HANDLE, "fcntl");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment flock = arena.allocate(FLOCK_SIZE, 8); // zeroed: l_start, l_len, l_pid = 0
            flock.set(ValueLayout.JAVA_SHORT, 0, type);
            flock.set(ValueLayout.JAVA_SHORT, 2, SEEK_SET);
            while (true) {
                int r = (int) fcntl.invokeExact(state, fd, F_OFD_SETLK, flock);
                if (r == 0) {
                    return true;
                }
                int errno = (int) Native.ErrnoField.HANDLE.get(state, 0L);
                if (errno == EAGAIN || errno == EACCES) {
                    return false;
                }
                if (errno != EINTR) {
                    throw new Errno(errno, path);
                }
            }
        } catch (Errno | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fcntl(2) call failed", t);
        }
    }

    /** {@code close(fd)}; errors are ignored (the descriptor is gone either way on Linux). */
    static void close(int fd) {
        try {
            int ignored = (int) Native.require(Native.CLOSE, "close").invokeExact(fd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close(2) call failed", t);
        }
    }

    /** A failed system call: its errno and the file it was about. */
    static final class Errno extends IOException {
        final int errno;
        final Path path;

        Errno(int errno, Path path) {
            super(path + ": " + describe(errno));
            this.errno = errno;
            this.path = path;
        }

        /** As the JDK reports it: NoSuchFileException, AccessDeniedException, ... with {@code reason}. */
        FileSystemException toJdk(String reason) {
            FileSystemException e = switch (errno) {
                case ENOENT -> new NoSuchFileException(path.toString(), null, reason);
                case EACCES, EPERM -> new AccessDeniedException(path.toString(), null, reason);
                case EEXIST -> new FileAlreadyExistsException(path.toString(), null, reason);
                default -> new FileSystemException(path.toString(), null, reason);
            };
            e.initCause(this);
            return e;
        }

        static String describe(int errno) {
            return switch (errno) {
                case EPERM -> "operation not permitted";
                case ENOENT -> "no such file or directory";
                case EACCES -> "permission denied";
                case EEXIST -> "file exists";
                case ENOTDIR -> "a component of the path is not a directory";
                case EISDIR -> "is a directory";
                case ENOSPC -> "no space left on device";
                case EROFS -> "read-only file system";
                case ELOOP -> "is a symbolic link (or too many levels of them)";
                default -> "errno " + errno;
            };
        }
    }

    /**
     * The downcall handles, each made on first use: making one costs milliseconds (the JVM
     * generates its stub), and a follower opening a region needs only open and close. close is
     * made first, and tells whether calls can be made here at all ({@link #ERROR}).
     */
    private static final class Native {
        static final Linker LINKER;
        static final MethodHandle CLOSE;
        /** Why there are no downcalls, or null. */
        static final String ERROR;

        static {
            String os = System.getProperty("os.name", "");
            Linker linker = null;
            MethodHandle close = null;
            String error = null;
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                error = "not Linux (" + os + ")";
            } else {
                try {
                    linker = Linker.nativeLinker();
                    close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                } catch (Throwable t) {
                    error = "native calls not possible (" + t + "); allow them with"
                            + " --enable-native-access=ALL-UNNAMED";
                }
            }
            LINKER = linker;
            CLOSE = close;
            ERROR = error;
        }

        private Native() {
        }

        /** {@code handle}, or IllegalStateException saying why there is none. */
        static MethodHandle require(MethodHandle handle, String function) {
            if (ERROR != null) {
                throw new IllegalStateException("open(2)/fcntl(2) unavailable: " + ERROR);
            }
            if (handle == null) {
                throw new IllegalStateException(function + "(2) unavailable: libc lacks it or the linker refused it");
            }
            return handle;
        }

        /** libc's {@code function}, errno captured, variadic from argument {@code firstVariadic}; null if not possible. */
        private static MethodHandle variadic(String function, FunctionDescriptor descriptor, int firstVariadic) {
            if (ERROR != null) {
                return null;
            }
            try {
                return LINKER.downcallHandle(LINKER.defaultLookup().find(function).orElseThrow(), descriptor,
                        Linker.Option.firstVariadicArg(firstVariadic), Linker.Option.captureCallState("errno"));
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** int open(const char *path, int flags, ...): mode_t mode. */
        static final class Open {
            static final MethodHandle HANDLE = variadic("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), 2);
        }

        /** int fcntl(int fd, int cmd, ...): struct flock *. */
        static final class Fcntl {
            static final MethodHandle HANDLE = variadic("fcntl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), 2);
        }

        /** errno in the captured call state: read only after a failed call. */
        static final class ErrnoField {
            static final VarHandle HANDLE = Linker.Option.captureStateLayout()
                    .varHandle(MemoryLayout.PathElement.groupElement("errno"));
        }
    }
}
