package io.shm4j.bench;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodec;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
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

/**
 * shm4j's in-process costs, per payload size, through the public API on a region in /dev/shm:
 * <ul>
 * <li>{@code getUnchanged}: a follower's {@code get()} when no new version exists (the cached
 *     object);</li>
 * <li>{@code publishRaw}: a master's {@code publish(byte[])} (CRC, slot write, commit, wake);</li>
 * <li>{@code publishRawThenSnapshot} / {@code publishJsonThenGet}: publish a new version, then
 *     read it through a follower (raw {@code snapshot()}; JSON {@code get()}: copy, CRC, Jackson
 *     parse). A new version needs a publish, so the read's own cost is the difference to
 *     {@code publishRaw} (the JSON master publishes pre-encoded bytes, which costs the same), and
 *     is compared with {@link BaselineBenchmark}'s plain copy and plain parse of the same bytes.</li>
 * </ul>
 * Master and followers share one JVM here (and so caches); the cross-process harness measures
 * the same operations between processes.
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

    @Param({"64", "1024", "65536", "1048576"})
    int size;

    private Path directory;
    private SharedObjectMaster<byte[]> rawMaster;
    private SharedObjectFollower<byte[]> rawFollower;
    private SharedObjectMaster<byte[]> jsonMaster;
    private SharedObjectFollower<JsonNode> jsonFollower;
    private byte[] raw;
    private byte[] json;

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
    public Snapshot publishRawThenSnapshot() {
        rawMaster.publish(raw);
        return rawFollower.snapshot();
    }

    @Benchmark
    public JsonNode publishJsonThenGet() {
        jsonMaster.publish(json);
        return jsonFollower.get();
    }
}
