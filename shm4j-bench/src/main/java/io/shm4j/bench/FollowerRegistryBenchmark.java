package io.shm4j.bench;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the follower registry (FORMAT.md 3.3) costs: the same follower operations with the
 * follower {@code registered} and {@code unregistered} (its registry path made a directory after
 * the master took the tag, so the follower cannot register; the master keeps its registry, so
 * neither variant's publish enters the kernel). A registered follower's new-version read adds two
 * stores to its entry; {@code get()} with no new version adds nothing.
 *
 * <ul>
 * <li>{@code getUnchanged}: {@code get()} with no new version;</li>
 * <li>{@code readWhole}: {@code readNewer} of the current version into a cleared buffer, i.e. a
 * whole new-version read (copy, checks, and for a registered follower the two stores);</li>
 * <li>{@code publishRaw}: a publish with no sleeper: the bitmap load after the fence, no
 * {@code FUTEX_WAKE};</li>
 * <li>{@code publishRawThenReadNewer}: a publish and the follower's read of it.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FollowerRegistryBenchmark {

    @Param({"registered", "unregistered"})
    String follower;

    private Path directory;
    private SharedObjectMaster<byte[]> master;
    private SharedObjectFollower<byte[]> reader;
    private byte[] raw;
    private SnapshotBuffer buffer;

    @Setup
    public void setUp() throws IOException {
        directory = Files.createTempDirectory(CaseRunner.scratchRoot(), "shm4j-jmh-");
        ShmOptions options = ShmOptions.defaults().withDirectory(directory);
        raw = Payload.allocate(1024);
        master = SharedObject.master("raw", ObjectCodecs.bytes(), options);
        master.publish(raw);
        if (follower.equals("unregistered")) {
            Path registry = directory.resolve("raw~followers");
            Files.delete(registry); // the master keeps its mapping of it
            Files.createDirectory(registry);
        }
        reader = SharedObject.follower("raw", ObjectCodecs.bytes(), options.withFollowerName("jmh"));
        if (master.followers().size() != (follower.equals("registered") ? 1 : 0)) {
            throw new IllegalStateException("the follower is not " + follower + ": " + master.followers());
        }
        reader.get();
        buffer = new SnapshotBuffer(raw.length);
    }

    @TearDown
    public void tearDown() {
        reader.close();
        master.close();
        CaseRunner.deleteRecursively(directory);
    }

    @Benchmark
    public byte[] getUnchanged() {
        return reader.get();
    }

    @Benchmark
    public boolean readWhole() {
        buffer.clear();
        return reader.readNewer(buffer);
    }

    @Benchmark
    public long publishRaw() {
        return master.publish(raw);
    }

    @Benchmark
    public boolean publishRawThenReadNewer() {
        master.publish(raw);
        return reader.readNewer(buffer);
    }
}
