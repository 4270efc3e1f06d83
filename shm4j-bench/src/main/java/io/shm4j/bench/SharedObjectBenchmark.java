package io.shm4j.bench;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodec;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.SnapshotBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
 * shm4j's in-process costs, per payload size, through the public API on a region in /dev/shm:
 * <ul>
 * <li>{@code getUnchanged}: a follower's {@code get()} when no new version exists (the cached
 *     object);</li>
 * <li>{@code publishRaw}, {@code publishJson}: a master's {@code publish(byte[])} (CRC, slot
 *     write, commit, wake) of the raw and of the pre-encoded JSON payload;</li>
 * <li>{@code readNewer}: {@code readNewer} of the current raw version into a reused buffer that
 *     is emptied first, so every call copies and checks a whole version: the work of reading a
 *     new version, with no publish to subtract;</li>
 * <li>{@code publishRawThenSnapshot} / {@code publishRawThenReadNewer}: publish a new raw
 *     version, then read it ({@code snapshot()}: a new array; {@code readNewer}: a reused
 *     buffer); the read's own cost is the difference to {@code publishRaw}, compared with
 *     {@link BaselineBenchmark}'s plain copy of as many bytes;</li>
 * <li>{@code publishJsonThenGet} / {@code publishJsonThenParse}: publish the JSON document
 *     (pre-encoded, so no encoding is timed), then either the follower's {@code get()} (copy,
 *     CRC, Jackson parse) or Jackson's own parse of the same bytes with the same mapper
 *     configuration. Both minus {@code publishJson} compare the two under the same conditions:
 *     a parse right after a publish costs more than the same parse in a loop of its own (see
 *     {@link BaselineBenchmark#jacksonParse}), so the follower is not compared with the latter.</li>
 * </ul>
 * Master and followers share one JVM and thread here (and so caches: a new version's bytes are
 * in this core's cache when read); the cross-process harness measures the same operations
 * between processes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SharedObjectBenchmark {

    /** JSON bytes published as they are: what a master that already holds serialized JSON does. */
    private static final ObjectCodec<byte[]> ENCODED_JSON = ObjectCodecs.bytes(ContentType.JSON);
    /** Configured as the follower's default JSON codec's mapper. */
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    @Param({"64", "1024", "65536", "1048576"})
    int size;

    private Path directory;
    private SharedObjectMaster<byte[]> rawMaster;
    private SharedObjectFollower<byte[]> rawFollower;
    private SharedObjectMaster<byte[]> jsonMaster;
    private SharedObjectFollower<JsonNode> jsonFollower;
    private byte[] raw;
    private byte[] json;
    private SnapshotBuffer buffer;

    @Setup
    public void setUp() throws IOException {
        directory = Files.createTempDirectory(CaseRunner.scratchRoot(), "shm4j-jmh-");
        ShmOptions options = ShmOptions.defaults().withDirectory(directory);
        raw = Payload.allocate(Math.max(size, Payload.HEADER_LENGTH));
        json = JsonDocuments.ofSize(size);
        rawMaster = SharedObject.master("raw", ObjectCodecs.bytes(), options);
        rawMaster.publish(raw); // grows the region to fit before measuring
        rawFollower = SharedObject.follower("raw", ObjectCodecs.bytes(), options);
        rawFollower.get();
        buffer = new SnapshotBuffer(raw.length);
        jsonMaster = SharedObject.master("json", ENCODED_JSON, options);
        jsonMaster.publish(json);
        jsonFollower = SharedObject.follower("json", ObjectCodecs.jsonTree(), options);
        jsonFollower.get();
    }

    @TearDown
    public void tearDown() {
        rawFollower.close();
        rawMaster.close();
        jsonFollower.close();
        jsonMaster.close();
        CaseRunner.deleteRecursively(directory);
    }

    @Benchmark
    public byte[] getUnchanged() {
        return rawFollower.get();
    }

    @Benchmark
    public long publishRaw() {
        return rawMaster.publish(raw);
    }

    @Benchmark
    public long publishJson() {
        return jsonMaster.publish(json);
    }

    @Benchmark
    public boolean readNewer() {
        buffer.clear();
        return rawFollower.readNewer(buffer);
    }

    @Benchmark
    public Snapshot publishRawThenSnapshot() {
        rawMaster.publish(raw);
        return rawFollower.snapshot();
    }

    @Benchmark
    public boolean publishRawThenReadNewer() {
        rawMaster.publish(raw);
        return rawFollower.readNewer(buffer);
    }

    @Benchmark
    public JsonNode publishJsonThenGet() {
        jsonMaster.publish(json);
        return jsonFollower.get();
    }

    @Benchmark
    public JsonNode publishJsonThenParse() {
        jsonMaster.publish(json);
        return MAPPER.readTree(json);
    }
}
