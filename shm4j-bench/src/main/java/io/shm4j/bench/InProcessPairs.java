package io.shm4j.bench;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import io.shm4j.internal.CrcCopy;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

/**
 * In-process costs measured in pairs, for a machine shared with other work: every variant runs a
 * short batch (about 20 µs) in turn, round after round, so that all variants see the same
 * moments of the machine; per round each variant's time is divided by the plain copy's of that
 * round, and the median of those per-round ratios is reported with the median time per
 * operation. A batch that a preemption hits is one slow round among thousands and leaves the
 * medians alone, which JMH's averages over whole seconds, one benchmark after another, do not.
 *
 * <p>Variants per payload size: the plain mapped→heap copy (reused array), that copy then a
 * CRC-32 over the whole copy (the read before {@link CrcCopy}), {@link CrcCopy#fromSegment} at
 * several chunk sizes, and shm4j's {@code readNewer} of a whole version (buffer emptied first),
 * verified and with {@link ShmOptions#withVerifyChecksums} off;
 * on the master's side the plain heap→mapped copy, CRC-32 then copy (the publish before
 * {@link CrcCopy}), {@link CrcCopy#toSegment} at the same chunk sizes, and shm4j's
 * {@code publish}.
 *
 * <p>{@code ./shm4j bench} runs it in a forked JVM (the harness's JVM options) after the
 * cross-process cases; by hand:
 * <pre>
 * java -XX:+UseSerialGC -cp shm4j-bench/target/shm4j-bench.jar io.shm4j.bench.InProcessPairs [seconds per size] [sizes...]
 * </pre>
 * It prints a table, then one {@code PAIR} line per variant for the harness.
 */
public final class InProcessPairs {
    static final String NAME = "pairs";
    static final String COPY = "copy";
    static final String COPY_THEN_CRC = "copy, then CRC-32";
    static final String CRC_THEN_COPY = "CRC-32, then copy";
    static final String READ_NEWER = "readNewer";
    static final String READ_NEWER_UNVERIFIED = "readNewer, unverified";
    static final String PUBLISH = "publish";
    static final String READ = "read";
    static final String WRITE = "write";

    /**
     * One variant at one size: median ns per operation over the rounds, and the medians of its
     * per-round ratios to the plain copy and to the unfused copy-and-CRC (the second variant).
     */
    public record PairResult(String side, int size, String variant, double nanos, double toCopy, double toUnfused, int rounds) {
        String encode() {
            return String.join("\t", "PAIR", side, Integer.toString(size), variant, Double.toString(nanos), Double.toString(toCopy),
                    Double.toString(toUnfused), Integer.toString(rounds));
        }

        static PairResult decode(String line) {
            String[] f = line.split("\t");
            return new PairResult(f[1], Integer.parseInt(f[2]), f[3], Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                    Double.parseDouble(f[6]), Integer.parseInt(f[7]));
        }
    }

    /** Runs this class in a forked JVM, {@code seconds} per size; its lines go to {@code log}. */
    static List<PairResult> runForked(double seconds, List<Integer> sizes, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ForkedJvm.BASE_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), InProcessPairs.class.getName(), Double.toString(seconds)));
        sizes.forEach(size -> command.add(Integer.toString(size)));
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (process.waitFor() != 0) {
            throw new IOException("the in-process pairs exited with " + process.exitValue() + "; see " + log);
        }
        return Files.readAllLines(log).stream().filter(line -> line.startsWith("PAIR\t")).map(PairResult::decode).toList();
    }
    private static final int[] CHUNKS = {2048, 4096, 8192, 16384, 32768};
    private static final long BATCH_NANOS = 20_000;
    private static long sink;

    private InProcessPairs() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int[] sizes = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {1024, 64 * 1024, 1024 * 1024};
        System.out.println("load " + Files.readString(Path.of("/proc/loadavg")).strip());
        List<PairResult> results = new ArrayList<>();
        for (int size : sizes) {
            results.addAll(measure(size, (long) (seconds * 1e9)));
        }
        System.out.println("load " + Files.readString(Path.of("/proc/loadavg")).strip() + " (sink " + (sink & 1) + ")");
        results.forEach(r -> System.out.println(r.encode()));
    }

    private static List<PairResult> measure(int size, long nanos) throws IOException {
        Path directory = Files.createTempDirectory(CaseRunner.scratchRoot(), "shm4j-pairs-");
        Path file = directory.resolve("mapped");
        ShmOptions options = ShmOptions.defaults().withDirectory(directory);
        byte[] payload = Payload.allocate(size);
        byte[] heap = new byte[size];
        CRC32 crc = new CRC32();
        try (Arena arena = Arena.ofShared();
             SharedObjectMaster<byte[]> master = SharedObject.master("pairs", ObjectCodecs.bytes(), options)) {
            MemorySegment mapped;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(payload));
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            }
            master.publish(payload);
            try (SharedObjectFollower<byte[]> follower = SharedObject.follower("pairs", ObjectCodecs.bytes(), options);
                 SharedObjectFollower<byte[]> unverified = SharedObject.follower("pairs", ObjectCodecs.bytes(),
                         options.withVerifyChecksums(false))) {
                SnapshotBuffer buffer = new SnapshotBuffer(size);
                Map<String, LongSupplier> read = new LinkedHashMap<>();
                read.put(COPY, () -> {
                    MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, 0, heap, 0, size);
                    return heap[size - 1];
                });
                read.put(COPY_THEN_CRC, () -> {
                    MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, 0, heap, 0, size);
                    crc.reset();
                    crc.update(heap, 0, size);
                    return crc.getValue();
                });
                for (int chunk : CHUNKS) {
                    if (chunk < size) {
                        read.put("fused, " + chunk / 1024 + " KiB chunks", () -> CrcCopy.fromSegment(mapped, 0, heap, size, crc, chunk));
                    }
                }
                read.put(READ_NEWER, () -> {
                    buffer.clear();
                    return follower.readNewer(buffer) ? 1 : 0;
                });
                read.put(READ_NEWER_UNVERIFIED, () -> {
                    buffer.clear();
                    return unverified.readNewer(buffer) ? 1 : 0;
                });
                Map<String, LongSupplier> write = new LinkedHashMap<>();
                write.put(COPY, () -> {
                    MemorySegment.copy(payload, 0, mapped, ValueLayout.JAVA_BYTE, 0, size);
                    return 0;
                });
                write.put(CRC_THEN_COPY, () -> {
                    crc.reset();
                    crc.update(payload, 0, size);
                    MemorySegment.copy(payload, 0, mapped, ValueLayout.JAVA_BYTE, 0, size);
                    return crc.getValue();
                });
                for (int chunk : CHUNKS) {
                    if (chunk < size) {
                        write.put("fused, " + chunk / 1024 + " KiB chunks", () -> CrcCopy.toSegment(payload, mapped, 0, crc, chunk));
                    }
                }
                write.put(PUBLISH, () -> master.publish(payload));
                List<PairResult> results = new ArrayList<>();
                System.out.printf(Locale.ROOT, "%n%s, read side (mapped → heap):%n", Units.bytes(size));
                results.addAll(run(READ, size, read, nanos / 2));
                System.out.printf(Locale.ROOT, "%s, write side (heap → mapped):%n", Units.bytes(size));
                results.addAll(run(WRITE, size, write, nanos / 2));
                return results;
            }
        } finally {
            CaseRunner.deleteRecursively(directory);
        }
    }

    /**
     * Sizes each variant's batch, then runs rounds for {@code nanos} (the first fifth as warm-up);
     * prints and returns per variant the median ns/op and its median per-round ratios to the first
     * two variants.
     */
    static List<PairResult> run(String side, int size, Map<String, LongSupplier> variants, long nanos) {
        List<String> names = new ArrayList<>(variants.keySet());
        List<LongSupplier> ops = names.stream().map(variants::get).toList();
        int[] batch = new int[ops.size()];
        for (int v = 0; v < ops.size(); v++) {
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - start < 200_000_000L) {
                sink += ops.get(v).getAsLong();
                n++;
            }
            double perOp = 200_000_000.0 / n;
            batch[v] = (int) Math.max(1, BATCH_NANOS / perOp);
        }
        List<double[]> rounds = new ArrayList<>();
        long end = System.nanoTime() + nanos;
        long measureFrom = System.nanoTime() + nanos / 5;
        while (System.nanoTime() < end) {
            double[] perOp = new double[ops.size()];
            for (int v = 0; v < ops.size(); v++) {
                LongSupplier op = ops.get(v);
                int n = batch[v];
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    sink += op.getAsLong();
                }
                perOp[v] = (System.nanoTime() - start) / (double) n;
            }
            if (System.nanoTime() > measureFrom) {
                rounds.add(perOp);
            }
        }
        List<PairResult> results = new ArrayList<>();
        for (int v = 0; v < ops.size(); v++) {
            int index = v;
            double time = median(rounds.stream().mapToDouble(r -> r[index]).toArray());
            double toCopy = median(rounds.stream().mapToDouble(r -> r[index] / r[0]).toArray());
            double toUnfused = median(rounds.stream().mapToDouble(r -> r[index] / r[1]).toArray());
            System.out.printf(Locale.ROOT, "  %-22s %12s/op  %6.2fx %s  %6.2fx %s  (%d rounds)%n", names.get(v), Units.nanos(time),
                    toCopy, names.get(0), toUnfused, names.get(1), rounds.size());
            results.add(new PairResult(side, size, names.get(v), time, toCopy, toUnfused, rounds.size()));
        }
        return results;
    }

    private static double median(double[] values) {
        Arrays.sort(values);
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
