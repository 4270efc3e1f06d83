package io.shm4j.bench;

import io.shm4j.internal.CrcCopy;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link CrcCopy}'s chunk size: a copy of {@code size} bytes between a mapped /dev/shm file and a
 * heap array with the CRC-32 taken chunk by chunk ({@code chunk} bytes; 0: the whole payload in one
 * chunk, i.e. copy, then CRC), both ways (a follower's read, a master's publish), next to the plain
 * copy each way. The figures behind {@link CrcCopy#CHUNK}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CrcCopyBenchmark {

    @Param({"1024", "65536", "1048576"})
    int size;

    @Param({"0", "2048", "4096", "8192", "16384", "32768"})
    int chunk;

    private Path file;
    private Arena arena;
    private MemorySegment mapped;
    private byte[] heap;
    private final CRC32 crc = new CRC32();

    @Setup
    public void setUp() throws IOException {
        file = Files.createTempFile(CaseRunner.scratchRoot(), "shm4j-jmh-", ".bin");
        arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(Payload.allocate(size)));
            mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
        }
        heap = Payload.allocate(size);
    }

    @TearDown
    public void tearDown() throws IOException {
        arena.close();
        Files.deleteIfExists(file);
    }

    private int chunkBytes() {
        return chunk == 0 ? size : chunk;
    }

    /** A follower's read: mapped → heap, CRC-32 of the heap copy. */
    @Benchmark
    public int readFused() {
        return CrcCopy.fromSegment(mapped, 0, heap, size, crc, chunkBytes());
    }

    /** A master's publish: CRC-32 of the heap payload, heap → mapped. */
    @Benchmark
    public int writeFused() {
        return CrcCopy.toSegment(heap, mapped, 0, crc, chunkBytes());
    }

    /** The plain copy mapped → heap (no CRC), the bandwidth a read is judged against. */
    @Benchmark
    public byte[] readCopy() {
        MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, 0, heap, 0, size);
        return heap;
    }

    /** The plain copy heap → mapped (no CRC). */
    @Benchmark
    public MemorySegment writeCopy() {
        MemorySegment.copy(heap, 0, mapped, ValueLayout.JAVA_BYTE, 0, size);
        return mapped;
    }
}
