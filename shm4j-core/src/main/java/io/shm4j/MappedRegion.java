package io.shm4j;

import io.shm4j.internal.FaultPoint;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file-like view of shared memory with the API of Python's {@code mmap} object: a byte range
 * mapped from a file (usually under {@code /dev/shm}), a current position that
 * {@link #read(long) read}, {@link #write(byte[]) write}, {@link #readLine()} and
 * {@link #seek(long, Whence) seek} move, {@link #find(byte[], long, long) find} and
 * {@link #rfind(byte[], long, long) rfind}, {@link #move(long, long, long) move} and
 * {@link #resize(long) resize}. Every method follows what Python documents and CPython does,
 * with Java types: Python's {@code ValueError} is an {@link IllegalArgumentException},
 * {@code IndexError} an {@link IndexOutOfBoundsException}, the {@code TypeError} for writing a
 * read-only map a {@link ReadOnlyRegionException}, {@code OSError} an {@link IOException}
 * (unchecked where the method has no {@code throws}). Messages name the region.
 *
 * <pre>{@code
 * // process A
 * try (MappedRegion m = MappedRegion.create("prices", 4096)) {
 *     m.write("EURUSD 1.0842\n".getBytes(US_ASCII));
 *     ...
 * }
 * // process B, any time while the file exists
 * try (MappedRegion m = MappedRegion.open("prices", AccessMode.READ)) {
 *     long at = m.find("EURUSD".getBytes(US_ASCII));
 *     m.seek(at);
 *     String line = new String(m.readLine(), US_ASCII);   // "EURUSD 1.0842\n"
 * }
 * }</pre>
 *
 * <p>Modes ({@link AccessMode}): {@code READ} opens the file read-only and refuses every write;
 * {@code WRITE} is a shared mapping, so other processes mapping the file see each byte written;
 * {@code COPY} is a private copy-on-write mapping whose writes never reach the file or any other
 * process (it opens the file read-write, as {@link FileChannel.MapMode#PRIVATE} requires, but
 * never writes it).
 *
 * <p><b>Shrinking is dangerous.</b> {@link #resize(long)} to a smaller size truncates the file.
 * Any other process that still maps the old length and reads past the new end fails (in Java
 * with a {@link RegionShrunkException}, in C and Python with SIGBUS). Only shrink a region
 * nobody else maps.
 * shm4j's own shared objects never shrink a live file: they publish a new file instead.
 *
 * <p>Differences from Python, all deliberate: empty regions (length 0) are allowed, also as
 * the size of a {@link #resize(long)} (Python refuses to map an empty file, and on Linux
 * CPython 3.11's {@code resize(0)} truncates the file, then fails with {@code OSError});
 * {@link #seek} returns the new position (as Python 3.13 does); {@link #flush(long, long)}
 * accepts offsets that are not page-aligned; there is no {@code None}: overloads without
 * {@code start}/{@code end} use Python's defaults; {@link #writeByte(int)} of a value outside
 * 0..255 is an {@link IllegalArgumentException} (Python's {@code OverflowError} has no Java
 * counterpart); {@link #resize(long)} of a {@code COPY} region is an
 * {@link UnsupportedOperationException}, not a {@link ReadOnlyRegionException} (Python's
 * {@code TypeError}), as the region is not read-only; {@link #get(long, int)} and
 * {@link #put(long, byte[])} are Python's {@code m[offset:offset + length]} for a range within
 * the region and refuse any other with an {@link IndexOutOfBoundsException}, where a Python
 * slice counts negative indices from the end and clamps the rest.
 *
 * <p>Threads: like Python's mmap object, the position is not thread-safe; use one region per
 * thread or lock around positional calls. {@link #close()} may be called from any thread at
 * any time: a concurrent access then fails with
 * {@code IllegalStateException("region <name> is closed")}, never with a crash. An access racing
 * a {@link #resize(long)} in another thread likewise fails with an
 * {@link IllegalStateException} saying so, and may simply be retried.
 *
 * <p>Implementation notes: each mapping lives in its own {@linkplain Arena#ofShared() shared
 * arena}. Closing a shared arena performs a handshake with every thread: a thread in the middle
 * of an access to one of its segments gets an exception instead of touching unmapped memory,
 * and every later access fails the arena's liveness check, so {@code close()} never needs a lock
 * on the read path. Such FFM {@link IllegalStateException}s are translated into the region's own
 * message. {@code resize} maps the new length in a new arena before closing the old one. New
 * files are built beside the tag under a helper name, their space reserved with zeros (no sparse
 * files: a full {@code /dev/shm} is an {@link IOException} at create time, not a SIGBUS later),
 * and hard-linked to the tag only when complete.
 */
public final class MappedRegion implements AutoCloseable {

    /** Largest byte array a single {@link #read(long)} returns. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private record Mapping(Arena arena, MemorySegment segment) {
    }

    private final String name;
    private final AccessMode mode;
    private final Path file;               // null for anonymous regions
    private final FileChannel channel;     // null for anonymous regions
    private final Object lifecycleLock = new Object();
    private volatile Mapping mapping;      // null once closed
    private long position;

    private MappedRegion(String name, AccessMode mode, Path file, FileChannel channel, Mapping mapping) {
        this.name = name;
        this.mode = mode;
        this.file = file;
        this.channel = channel;
        this.mapping = mapping;
    }

    // ------------------------------------------------------------------ opening

    /** {@link #create(String, long, ShmOptions)} with {@link ShmOptions#defaults()}. */
    public static MappedRegion create(String tag, long size) throws IOException {
        return create(tag, size, ShmOptions.defaults());
    }

    /**
     * Creates the named region {@code tag} of {@code size} zero bytes (mode {@code 0600}, or the
     * options' {@link ShmOptions.FileMode}) and maps it {@link AccessMode#WRITE}.
     *
     * <pre>{@code MappedRegion m = MappedRegion.create("quotes", 1 << 20); }</pre>
     *
     * @throws InvalidTagException        if {@code tag} is not a valid tag
     * @throws IllegalArgumentException   if {@code size < 0}
     * @throws FileAlreadyExistsException if the region exists
     * @throws IOException                if the space cannot be reserved (names directory and size)
     */
    public static MappedRegion create(String tag, long size, ShmOptions options) throws IOException {
        Path path = RegionFiles.file(tag, options);
        checkSize(tag, size);
        RegionFiles.ensureDirectory(options);
        FileChannel ch;
        try {
            ch = RegionFiles.createReservedAtomically(path, size, options);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(path.toString(), null, "region '" + tag
                    + "' already exists; open it, or remove it first (shm4j rm " + tag + ")");
        }
        return mapChannel(tag, AccessMode.WRITE, path, ch, size);
    }

    /** {@link #open(String, AccessMode, ShmOptions)} with {@link ShmOptions#defaults()}. */
    public static MappedRegion open(String tag, AccessMode mode) throws IOException {
        return open(tag, mode, ShmOptions.defaults());
    }

    /**
     * Maps the whole existing region {@code tag} in {@code mode}.
     *
     * <pre>{@code MappedRegion m = MappedRegion.open("quotes", AccessMode.READ); }</pre>
     *
     * @throws RegionNotFoundException if there is no such region
     */
    public static MappedRegion open(String tag, AccessMode mode, ShmOptions options) throws IOException {
        Path path = RegionFiles.file(tag, options);
        Objects.requireNonNull(mode, "mode");
        FileChannel ch;
        try {
            ch = openChannel(path, mode, tag);
        } catch (NoSuchFileException e) {
            throw new RegionNotFoundException(tag, path.toString());
        }
        return mapChannel(tag, mode, path, ch, size(ch, path));
    }

    /** {@link #openOrCreate(String, long, AccessMode, ShmOptions)} with {@link ShmOptions#defaults()}. */
    public static MappedRegion openOrCreate(String tag, long size, AccessMode mode) throws IOException {
        return openOrCreate(tag, size, mode, ShmOptions.defaults());
    }

    /**
     * Opens region {@code tag} in {@code mode}, creating it with {@code size} zero bytes first
     * if it does not exist. An existing region is mapped whole and must hold at least
     * {@code size} bytes. Safe when several processes race to create the same tag: exactly one
     * creates it, the others open the complete file.
     *
     * <pre>{@code MappedRegion m = MappedRegion.openOrCreate("quotes", 4096, AccessMode.WRITE); }</pre>
     *
     * @throws IllegalArgumentException if {@code size < 0} or the existing region is smaller
     */
    public static MappedRegion openOrCreate(String tag, long size, AccessMode mode, ShmOptions options)
            throws IOException {
        Path path = RegionFiles.file(tag, options);
        checkSize(tag, size);
        Objects.requireNonNull(mode, "mode");
        while (true) {
            try {
                FileChannel ch = openChannel(path, mode, tag);
                long existing = size(ch, path);
                if (existing < size) {
                    ch.close();
                    throw new IllegalArgumentException("region " + tag + " exists with " + existing
                            + " bytes, fewer than the " + size + " asked for; resize it or open it with open()");
                }
                return mapChannel(tag, mode, path, ch, existing);
            } catch (NoSuchFileException missing) {
                try {
                    RegionFiles.ensureDirectory(options);
                    RegionFiles.createReservedAtomically(path, size, options).close();
                } catch (FileAlreadyExistsException lostRace) {
                    // another process created it between our open and create: open theirs
                }
            }
        }
    }

    /**
     * Maps any existing file, as Python's {@code mmap.mmap(fd, size, access=...)}: {@code size}
     * bytes from its start, or the whole file when {@code size} is 0. The name in messages is
     * the path.
     *
     * <pre>{@code MappedRegion m = MappedRegion.map(Path.of("data.bin"), 0, AccessMode.COPY); }</pre>
     *
     * @throws IllegalArgumentException if {@code size < 0} or larger than the file
     * @throws NoSuchFileException      if the file does not exist
     */
    public static MappedRegion map(Path path, long size, AccessMode mode) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        checkSize(path.toString(), size);
        FileChannel ch = openChannel(path, mode, null);
        long fileSize = size(ch, path);
        if (size > fileSize) {
            ch.close();
            throw new IllegalArgumentException("cannot map " + size + " bytes of " + path + ": the file has only "
                    + fileSize + " (mmap length is greater than file size)");
        }
        return mapChannel(path.toString(), mode, path, ch, size == 0 ? fileSize : size);
    }

    /**
     * A zero-filled in-process region of {@code size} bytes in {@link AccessMode#WRITE} mode,
     * backed by no file (Python's {@code mmap.mmap(-1, size)}); {@link #resize(long)} works.
     *
     * <pre>{@code MappedRegion scratch = MappedRegion.anonymous(1024); }</pre>
     */
    public static MappedRegion anonymous(long size) {
        checkSize("anonymous", size);
        return new MappedRegion("anonymous", AccessMode.WRITE, null, null, allocate(size));
    }

    private static void checkSize(String name, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("region " + name + ": size must be >= 0, got " + size);
        }
    }

    /**
     * Opens a region's file ({@code tag} non-null: never through a link) or any file the caller
     * named (following links); either way without blocking, and only a regular file.
     */
    private static FileChannel openChannel(Path path, AccessMode mode, String tag) throws IOException {
        boolean write = mode != AccessMode.READ;
        return (tag != null ? RegionFiles.open(path, write, "region " + tag)
                : RegionFiles.open(path, write, true, "file " + path)).detach();
    }

    private static long size(FileChannel ch, Path path) throws IOException {
        try {
            return RegionFiles.uninterruptibly(ch::size);
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot read the size of " + path + ": " + e.getMessage(), e);
        }
    }

    private static MappedRegion mapChannel(String name, AccessMode mode, Path path, FileChannel ch, long length)
            throws IOException {
        try {
            return new MappedRegion(name, mode, path, ch, map(ch, mode, length));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static Mapping map(FileChannel ch, AccessMode mode, long length) throws IOException {
        FileChannel.MapMode mapMode = switch (mode) {
            case READ -> FileChannel.MapMode.READ_ONLY;
            case WRITE -> FileChannel.MapMode.READ_WRITE;
            case COPY -> FileChannel.MapMode.PRIVATE;
        };
        Arena arena = Arena.ofShared();
        try {
            return new Mapping(arena, RegionFiles.uninterruptibly(() -> ch.map(mapMode, 0, length, arena)));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Mapping allocate(long size) {
        Arena arena = Arena.ofShared();
        return new Mapping(arena, arena.allocate(size, 64));
    }

    // ------------------------------------------------------------------ positional access

    /** Reads from the position to the end of the region; {@code read(-1)}. */
    public byte[] read() {
        return read(-1);
    }

    /**
     * Reads at most {@code n} bytes from the position and advances it; {@code n < 0} reads to
     * the end. At or past the end it returns an empty array.
     */
    public byte[] read(long n) {
        MemorySegment seg = segment();
        long length = seg.byteSize();
        long remaining = position < length ? length - position : 0;
        long count = n < 0 ? remaining : Math.min(n, remaining);
        if (count > MAX_ARRAY) {
            throw new IllegalArgumentException("region " + name + ": cannot read " + count
                    + " bytes into one array; read at most " + MAX_ARRAY + " at a time");
        }
        byte[] out = new byte[(int) count];
        if (count == 0) {
            return out;
        }
        try {
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, position, out, 0, out.length);
            FaultPoint.here();
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
        position += count;
        return out;
    }

    /**
     * The byte at the position, as 0..255, and advances by one.
     *
     * @throws IllegalArgumentException at or past the end ("read byte out of range")
     */
    public int readByte() {
        MemorySegment seg = segment();
        if (position >= seg.byteSize()) {
            throw new IllegalArgumentException("region " + name + ": read byte out of range (position "
                    + position + ", length " + seg.byteSize() + ")");
        }
        try {
            int b = Byte.toUnsignedInt(seg.get(ValueLayout.JAVA_BYTE, position));
            FaultPoint.here();
            position++;
            return b;
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
    }

    /**
     * Reads from the position up to and including the next {@code '\n'}, or to the end if there
     * is none; empty at the end.
     */
    public byte[] readLine() {
        long length = segment().byteSize();
        if (position >= length) {
            return new byte[0];
        }
        long newline = scan(NEWLINE, position, length, false);
        return read(newline < 0 ? length - position : newline + 1 - position);
    }

    private static final byte[] NEWLINE = {'\n'};

    /**
     * Writes all of {@code data} at the position and advances past it; returns its length.
     *
     * @throws IllegalArgumentException  if it does not fit before the end ("data out of range")
     * @throws ReadOnlyRegionException   in {@link AccessMode#READ} mode
     */
    public int write(byte[] data) {
        Objects.requireNonNull(data, "data");
        MemorySegment seg = writableSegment();
        long length = seg.byteSize();
        if (position > length || length - position < data.length) {
            throw new IllegalArgumentException("region " + name + ": data out of range (writing " + data.length
                    + " bytes at position " + position + " of a " + length + "-byte region)");
        }
        try {
            MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_BYTE, position, data.length);
            FaultPoint.here();
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
        position += data.length;
        return data.length;
    }

    /**
     * Writes one byte (0..255) at the position and advances by one.
     *
     * @throws IllegalArgumentException if {@code b} is not 0..255, or at or past the end
     * @throws ReadOnlyRegionException  in {@link AccessMode#READ} mode
     */
    public void writeByte(int b) {
        if (b < 0 || b > 255) {
            throw new IllegalArgumentException("region " + name + ": a byte is 0..255, got " + b);
        }
        MemorySegment seg = writableSegment();
        if (position >= seg.byteSize()) {
            throw new IllegalArgumentException("region " + name + ": write byte out of range (position "
                    + position + ", length " + seg.byteSize() + ")");
        }
        try {
            seg.set(ValueLayout.JAVA_BYTE, position, (byte) b);
            FaultPoint.here();
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
        position++;
    }

    /** {@code seek(pos, Whence.SET)}. */
    public long seek(long pos) {
        return seek(pos, Whence.SET);
    }

    /**
     * Moves the position to {@code pos} relative to {@code whence}; returns the new position.
     *
     * @throws IllegalArgumentException if the result is negative or past the end ("seek out of range")
     */
    public long seek(long pos, Whence whence) {
        Objects.requireNonNull(whence, "whence");
        long length = segment().byteSize();
        long target = switch (whence) {
            case SET -> pos;
            case CUR -> position + pos;
            case END -> length + pos;
        };
        if (target < 0 || target > length) {
            throw new IllegalArgumentException("region " + name + ": seek out of range (" + whence + " " + pos
                    + " gives " + target + "; valid 0.." + length + ")");
        }
        position = target;
        return target;
    }

    /** The position. It may exceed {@link #length()} after a shrinking {@link #resize(long)}. */
    public long tell() {
        segment();
        return position;
    }

    // ------------------------------------------------------------------ searching

    /** {@code find(sub, tell(), length())}. */
    public long find(byte[] sub) {
        return find(sub, position, Long.MAX_VALUE);
    }

    /** {@code find(sub, start, length())}. */
    public long find(byte[] sub, long start) {
        return find(sub, start, Long.MAX_VALUE);
    }

    /**
     * Lowest index at which {@code sub} lies entirely within {@code [start, end)}, or -1.
     * {@code start} and {@code end} are interpreted as in slice notation: negative values count
     * from the end ({@code -1} is {@code length() - 1}), values are then clamped to
     * {@code 0..length()}. An empty {@code sub} is found at {@code start} if
     * {@code start <= end}. The position does not move.
     */
    public long find(byte[] sub, long start, long end) {
        return search(sub, start, end, false);
    }

    /** {@code rfind(sub, tell(), length())}. */
    public long rfind(byte[] sub) {
        return rfind(sub, position, Long.MAX_VALUE);
    }

    /** {@code rfind(sub, start, length())}. */
    public long rfind(byte[] sub, long start) {
        return rfind(sub, start, Long.MAX_VALUE);
    }

    /**
     * Highest index at which {@code sub} lies entirely within {@code [start, end)}, or -1; the
     * window is interpreted as in {@link #find(byte[], long, long)}. An empty {@code sub} is
     * found at {@code end} if {@code start <= end}.
     */
    public long rfind(byte[] sub, long start, long end) {
        return search(sub, start, end, true);
    }

    private static long sliceIndex(long index, long length) {
        if (index < 0) {
            return Math.max(0, index + length);
        }
        return Math.min(index, length);
    }

    /** Python's find/rfind: {@code start}/{@code end} as slice indices, then a scan of the window. */
    private long search(byte[] sub, long start, long end, boolean reverse) {
        Objects.requireNonNull(sub, "sub");
        long length = segment().byteSize();
        long from = sliceIndex(start, length);
        long to = sliceIndex(end, length);
        return to < from ? -1 : scan(sub, from, to, reverse);
    }

    /** First (or last, if {@code reverse}) index in {@code [from, to - sub.length]} where {@code sub} starts. */
    private long scan(byte[] sub, long from, long to, boolean reverse) {
        MemorySegment seg = segment();
        MemorySegment needle = MemorySegment.ofArray(sub);
        long last = to - sub.length;
        long step = reverse ? -1 : 1;
        try {
            long found = -1;
            for (long i = reverse ? last : from; i >= from && i <= last; i += step) {
                if (matchesAt(seg, needle, i)) {
                    found = i;
                    break;
                }
            }
            FaultPoint.here();
            return found;
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
    }

    private static boolean matchesAt(MemorySegment seg, MemorySegment needle, long at) {
        long n = needle.byteSize();
        return n == 0 || (seg.get(ValueLayout.JAVA_BYTE, at) == needle.get(ValueLayout.JAVA_BYTE, 0)
                && MemorySegment.mismatch(seg, at, at + n, needle, 0, n) < 0);
    }

    // ------------------------------------------------------------------ whole-region operations

    /**
     * Copies {@code count} bytes from {@code src} to {@code dest}; the ranges may overlap
     * (memmove). The position does not move.
     *
     * @throws IllegalArgumentException if an argument is negative or a range passes the end
     * @throws ReadOnlyRegionException  in {@link AccessMode#READ} mode
     */
    public void move(long dest, long src, long count) {
        MemorySegment seg = writableSegment();
        long length = seg.byteSize();
        if (dest < 0 || src < 0 || count < 0 || length - dest < count || length - src < count) {
            throw new IllegalArgumentException("region " + name + ": source, destination, or count out of range (dest "
                    + dest + ", src " + src + ", count " + count + ", length " + length + ")");
        }
        try {
            MemorySegment.copy(seg, src, seg, dest, count);
            FaultPoint.here();
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
    }

    /**
     * Changes the length of the mapping and of the file to {@code newSize} bytes. Growing
     * reserves the new space with zeros first; bytes before {@code min(old, new)} are kept; the
     * position does not move. Segments from {@link #asSegment()} become invalid.
     *
     * <p><b>Shrinking truncates the file: any other process that maps this region and reads
     * past the new end fails (SIGBUS; {@link RegionShrunkException} in Java). Never shrink a region
     * other processes map.</b>
     *
     * @throws ReadOnlyRegionException       in {@link AccessMode#READ} mode
     * @throws UnsupportedOperationException in {@link AccessMode#COPY} mode (Python raises {@code TypeError})
     * @throws IllegalArgumentException      if {@code newSize < 0}
     * @throws IOException                   if the space cannot be reserved
     */
    public void resize(long newSize) throws IOException {
        writableSegment();
        if (mode == AccessMode.COPY) {
            throw new UnsupportedOperationException("region " + name
                    + " is mapped COPY (private copy-on-write) and cannot be resized; open it with WRITE");
        }
        if (newSize < 0) {
            throw new IllegalArgumentException("region " + name + ": new size out of range (" + newSize + ")");
        }
        synchronized (lifecycleLock) {
            Mapping old = mapping;
            if (old == null) {
                throw closed();
            }
            Mapping fresh;
            if (channel == null) {
                fresh = allocate(newSize);
                MemorySegment.copy(old.segment(), 0, fresh.segment(), 0, Math.min(newSize, old.segment().byteSize()));
            } else {
                long fileSize = RegionFiles.uninterruptibly(channel::size);
                if (newSize > fileSize) {
                    RegionFiles.reserve(channel, fileSize, newSize, file);
                }
                fresh = map(channel, mode, newSize);
            }
            mapping = fresh;
            old.arena().close();
            if (channel != null) {
                RegionFiles.uninterruptibly(() -> channel.truncate(newSize)); // only ever shortens the file
            }
        }
    }

    /**
     * Size of the underlying file in bytes (Python's {@code size()}); for an anonymous region,
     * its length.
     */
    public long size() {
        MemorySegment seg = segment();
        if (channel == null) {
            return seg.byteSize();
        }
        try {
            return RegionFiles.uninterruptibly(channel::size);
        } catch (IOException e) {
            throw new UncheckedIOException("region " + name + ": cannot read the file size: " + e.getMessage(), e);
        }
    }

    /** Length of the mapping in bytes (Python's {@code len(m)}). */
    public long length() {
        return segment().byteSize();
    }

    /** Flushes the whole mapping to the file; {@code flush(0, length())}. */
    public void flush() {
        flush(0, length());
    }

    /**
     * Writes changes in {@code [offset, offset + size)} back to the file ({@code msync}). A no-op
     * in {@link AccessMode#READ} and {@link AccessMode#COPY} mode and for anonymous regions.
     * Other processes see {@code WRITE} bytes at once without it; it matters for files on disk.
     *
     * @throws IllegalArgumentException if an argument is negative or the range passes the end
     */
    public void flush(long offset, long size) {
        MemorySegment seg = segment();
        long length = seg.byteSize();
        if (offset < 0 || size < 0 || length - offset < size) {
            throw new IllegalArgumentException("region " + name + ": flush values out of range (offset " + offset
                    + ", size " + size + ", length " + length + ")");
        }
        if (mode != AccessMode.WRITE || channel == null || size == 0) {
            return;
        }
        try {
            seg.asSlice(offset, size).force();
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("region " + name + ": flush failed: " + e.getMessage(), e.getCause());
        }
    }

    // ------------------------------------------------------------------ absolute access

    /**
     * {@code length} bytes from {@code offset}; the position does not move.
     *
     * @throws IndexOutOfBoundsException if the range is not within the region
     */
    public byte[] get(long offset, int length) {
        MemorySegment seg = segment();
        checkRange(offset, length, seg);
        byte[] out = new byte[length];
        try {
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, offset, out, 0, length);
            FaultPoint.here();
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
        return out;
    }

    /**
     * Writes {@code bytes} at {@code offset}; the position does not move.
     *
     * @throws IndexOutOfBoundsException if the range is not within the region
     * @throws ReadOnlyRegionException   in {@link AccessMode#READ} mode
     */
    public void put(long offset, byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        MemorySegment seg = writableSegment();
        checkRange(offset, bytes.length, seg);
        try {
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, offset, bytes.length);
            FaultPoint.here();
        } catch (IllegalStateException e) {
            throw accessFailed(e);
        } catch (InternalError fault) {
            throw shrunk(fault);
        }
    }

    private void checkRange(long offset, long length, MemorySegment seg) {
        if (offset < 0 || length < 0 || seg.byteSize() - offset < length) {
            throw new IndexOutOfBoundsException("region " + name + ": range [" + offset + ", " + offset + " + "
                    + length + ") is outside 0.." + seg.byteSize());
        }
    }

    /**
     * The mapped memory itself, for advanced use (atomic access through VarHandles, bulk
     * copies). Read-only in {@link AccessMode#READ} mode. It becomes invalid (every access
     * throws {@link IllegalStateException}) when this region is closed or resized.
     */
    public MemorySegment asSegment() {
        return segment();
    }

    // ------------------------------------------------------------------ state

    /** The tag of a named region, the path of a mapped file, or {@code "anonymous"}. */
    public String name() {
        return name;
    }

    /** The mode this region was opened in. */
    public AccessMode mode() {
        return mode;
    }

    /** True once {@link #close()} has run. */
    public boolean isClosed() {
        return mapping == null;
    }

    /**
     * Unmaps the region and closes its file; later calls on it throw
     * {@code IllegalStateException("region <name> is closed")}. Idempotent; safe from any thread,
     * also while others read (they fail with that exception).
     *
     * @throws IllegalStateException if the memory is in use by a native call or I/O operation
     *                               through {@link #asSegment()} (the region stays open)
     */
    @Override
    public void close() {
        synchronized (lifecycleLock) {
            Mapping m = mapping;
            if (m == null) {
                return;
            }
            mapping = null;
            try {
                m.arena().close();
            } catch (IllegalStateException e) {
                mapping = m;
                throw new IllegalStateException("region " + name + " cannot be closed while its memory is in use"
                        + " by a native call or I/O operation on asSegment(); close it after that ends", e);
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("region " + name + ": closing " + file + " failed", e);
                }
            }
        }
    }

    @Override
    public String toString() {
        Mapping m = mapping;
        return "MappedRegion[" + name + ", " + mode + ", "
                + (m == null ? "closed" : m.segment().byteSize() + " bytes, position " + position) + "]";
    }

    private MemorySegment segment() {
        Mapping m = mapping;
        if (m == null) {
            throw closed();
        }
        return m.segment();
    }

    private MemorySegment writableSegment() {
        MemorySegment seg = segment();
        if (mode == AccessMode.READ) {
            throw new ReadOnlyRegionException(name);
        }
        return seg;
    }

    private IllegalStateException closed() {
        return new IllegalStateException("region " + name + " is closed");
    }

    /**
     * Translates the JVM's fault of an access past the end of a file that shrank under this
     * mapping (another process truncated it, FORMAT.md 5.4).
     */
    private RegionShrunkException shrunk(InternalError fault) {
        String size;
        try {
            size = channel == null ? "?" : Long.toString(RegionFiles.uninterruptibly(channel::size));
        } catch (IOException e) {
            size = "?";
        }
        return new RegionShrunkException("region " + name + " (" + file + "): the file shrank to " + size
                + " bytes under this process (this mapping spans " + segment().byteSize()
                + "); an access past the file's end faulted. Open the region again to map its current length", fault);
    }

    /** Translates FFM's "already closed" from a segment closed under a running access. */
    private IllegalStateException accessFailed(IllegalStateException e) {
        if (mapping == null) {
            IllegalStateException c = closed();
            c.addSuppressed(e);
            return c;
        }
        return new IllegalStateException("region " + name
                + " was resized by another thread during this access; retry", e);
    }
}
