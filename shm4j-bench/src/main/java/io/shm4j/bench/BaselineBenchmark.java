package io.shm4j.bench;

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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The floors shm4j's in-process costs are judged against, measured in the same run: copying
 * {@code size} bytes from a mapped /dev/shm file into a reused heap array (what a follower must do
 * for a new version at the least), that copy and its CRC-32 (the least a checked read does), and
 * Jackson parsing a {@code size}-byte JSON document into a tree in a loop of its own. Two more
 * split a snapshot's cost into its parts: the copy into a new array, and the CRC-32 of the bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BaselineBenchmark {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    @Param({"64", "1024", "65536", "1048576"})
    int size;

    private Path file;
    private Arena arena;
    private MemorySegment mapped;
    private byte[] heap;
    private byte[] json;

    @Setup
    public void setUp() throws IOException {
        file = Files.createTempFile(CaseRunner.scratchRoot(), "shm4j-jmh-", ".bin");
        arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(Payload.allocate(Math.max(size, Payload.HEADER_LENGTH))));
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
        heap = new byte[size];
        json = JsonDocuments.ofSize(size);
    }

    @TearDown
    public void tearDown() throws IOException {
        arena.close();
        Files.deleteIfExists(file);
    }

    /** A plain copy of {@code size} mapped bytes into a reused heap array. */
    @Benchmark
    public byte[] mappedToHeapCopy() {
        MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, 0, heap, 0, size);
        return heap;
    }

    /** The same copy into a new array each time (allocation and zeroing included). */
    @Benchmark
    public byte[] mappedToNewArray() {
        byte[] copy = new byte[size];
        MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, 0, copy, 0, size);
        return copy;
    }

    /** CRC-32 of {@code size} heap bytes ({@link CRC32}, the checksum the format stores per slot). */
    @Benchmark
    public long crc32() {
        CRC32 crc = new CRC32();
        crc.update(heap, 0, size);
        return crc.getValue();
    }

    /** The copy into the reused array, then its CRC-32: a checked read without the protocol's loads and checks. */
    @Benchmark
    public long copyAndCrc32() {
        MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, 0, heap, 0, size);
        return crc32();
    }

    /** Jackson parsing a {@code size}-byte document into a {@link JsonNode} tree. */
    @Benchmark
    public JsonNode jacksonParse() {
        return MAPPER.readTree(json);
    }
}
