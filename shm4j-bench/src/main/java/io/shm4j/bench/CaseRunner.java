package io.shm4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Runs one case: a fresh directory under /dev/shm, one master JVM and N follower JVMs of one peer
 * (see {@link PeerProcess} for what they do), the memory of each read at the idle point, their
 * results collected and merged. Any failure (a peer that throws, a hang, a crash) becomes a
 * {@link CaseResult.Status#FAILED} result with the reason and the process's stderr tail; the
 * directory and processes are always cleaned up.
 */
public final class CaseRunner {
    /**
     * Names of this harness's per-case directories under {@link #scratchRoot()}: with its pid, so
     * that harnesses running at once (and their checks for leftovers) tell their own apart.
     */
    static final String CASE_DIRECTORY_PREFIX = "shm4j-bench-case-" + ProcessHandle.current().pid() + "-";
    private static final Duration LONG_IDLE_WINDOW = Duration.ofSeconds(5);
    private static final Duration IDLE_SETTLE = Duration.ofSeconds(1);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration SLACK = Duration.ofSeconds(60);

    private CaseRunner() {
    }

    public static CaseResult run(BenchPlan.Case c, Map<String, String> serverProperties) {
        Peer peer = c.peer();
        CaseSettings settings = c.settings();
        Path directory;
        try {
            directory = Files.createTempDirectory(scratchRoot(), CASE_DIRECTORY_PREFIX);
        } catch (IOException e) {
            return CaseResult.failed(c, "cannot create a case directory: " + e);
        }
        List<ForkedJvm> processes = new ArrayList<>();
        List<Process> hogs = new ArrayList<>();
        PlacementSampler placement = null;
        try (AckBoard ignored = AckBoard.open(directory)) {
            List<String> common = new ArrayList<>(List.of("peer=" + peer.name(), "dir=" + directory,
                    "size=" + c.payloadBytes(), "followers=" + c.followers()));
            serverProperties.forEach((key, value) -> common.add("prop." + key + "=" + value));

            List<String> masterArgs = new ArrayList<>(List.of("master"));
            masterArgs.addAll(common);
            masterArgs.addAll(settings.toOptions());
            ForkedJvm master = ForkedJvm.start("master", jvmOptions(c, directory, "master"), cpus(c, -1), PeerProcess.class,
                    masterArgs, directory);
            processes.add(master);
            List<ForkedJvm> followers = new ArrayList<>();
            for (int i = 0; i < c.followers(); i++) {
                List<String> args = new ArrayList<>(List.of("follower"));
                args.addAll(common);
                args.add("index=" + i);
                String name = "follower" + i;
                ForkedJvm follower = ForkedJvm.start(name, jvmOptions(c, directory, name), cpus(c, i), PeerProcess.class, args,
                        directory);
                processes.add(follower);
                followers.add(follower);
            }

            Duration phases = settings.expectedLength().plus(SLACK);
            ThreadCounters masterCounters = ThreadCounters.decode(master.awaitLine("IDLE", START_TIMEOUT.plus(phases)).strip());
            CaseResult.Memory memory = idleMemory(master, followers, settings.idleCpuWindow());
            if (settings.hogs() != null) {
                for (int i = 0; i < settings.hogs(); i++) {
                    hogs.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
                }
            }
            long interruptsBefore = ThreadCounters.interruptsSinceBoot();
            master.sendLine("GO");
            if (settings.hogs() != null) {
                placement = PlacementSampler.watch(master.pid(), followers.stream().map(ForkedJvm::pid).toList());
            }

            String[] published = master.awaitLine("PUBLISHED", phases).split(" ");
            CaseResult.Placement placed = placement == null ? null : placement.stop();
            long interruptsAfter = ThreadCounters.interruptsSinceBoot();
            Long interrupts = interruptsBefore < 0 || interruptsAfter < 0 ? null : interruptsAfter - interruptsBefore;
            double publishedPerSecond = Long.parseLong(published[0]) * 1e9 / Long.parseLong(published[1]);
            Histogram merged = new Histogram(PeerProcess.HIGHEST_LATENCY_NANOS, 3);
            Histogram gaps = new Histogram(PeerProcess.HIGHEST_LATENCY_NANOS, 3);
            Histogram behind = new Histogram(3);
            ThreadCounters followerCounters = null;
            List<TailAnalysis.Sample> tail = new ArrayList<>();
            double observedPerSecond = Double.MAX_VALUE;
            for (int i = 0; i < followers.size(); i++) {
                String[] result = followers.get(i).awaitLine("RESULT", phases).split(" ");
                merged.add(decode(result[0]));
                long count = Long.parseLong(result[1]);
                long span = Long.parseLong(result[3]) - Long.parseLong(result[2]);
                observedPerSecond = Math.min(observedPerSecond, span > 0 ? count * 1e9 / span : 0);
                gaps.add(decode(result[4]));
                behind.add(decode(result[5]));
                ThreadCounters counters = ThreadCounters.decode(result[6]);
                followerCounters = followerCounters == null ? counters : followerCounters.plus(counters);
                tail.addAll(TailAnalysis.samples(i, result[7]));
            }
            stop(hogs);
            for (ForkedJvm process : processes) {
                process.awaitExit(SLACK);
            }
            if (merged.getTotalCount() == 0) {
                return CaseResult.failed(c, "no latency sample was recorded");
            }
            return new CaseResult(peer.name(), c.payloadBytes(), c.followers(), settings.pauseMicros(), settings.hogs(), c.run(),
                    CaseResult.Status.OK, "",
                    new CaseResult.Latency(merged.getTotalCount(), merged.getValueAtPercentile(50),
                            merged.getValueAtPercentile(90), merged.getValueAtPercentile(99),
                            merged.getValueAtPercentile(99.9), merged.getMaxValue(), merged.getMean()),
                    new CaseResult.Throughput(publishedPerSecond, observedPerSecond),
                    memory,
                    gaps.getTotalCount() == 0 ? null : staleness(gaps, behind, followers.size(), interrupts, placed),
                    TailAnalysis.analyse(directory, c.followers(), masterCounters, followerCounters, tail), null);
        } catch (Exception e) {
            return CaseResult.failed(c, oneLine(e));
        } finally {
            stop(hogs);
            if (placement != null) {
                placement.close();
            }
            for (ForkedJvm process : processes) {
                try {
                    process.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            deleteRecursively(directory);
        }
    }

    /** The staleness figures of a phase from the followers' merged histograms. */
    private static CaseResult.Staleness staleness(Histogram gaps, Histogram behind, int followers, Long interrupts,
                                                  CaseResult.Placement placed) {
        long longGaps = 0;
        long stalls = 0;
        double longTime = 0;
        double allTime = 0;
        for (HistogramIterationValue v : gaps.recordedValues()) {
            double time = (double) gaps.medianEquivalentValue(v.getValueIteratedTo()) * v.getCountAtValueIteratedTo();
            allTime += time;
            if (v.getValueIteratedTo() >= CaseResult.Staleness.STALL_NANOS) {
                stalls += v.getCountAtValueIteratedTo();
            }
            if (v.getValueIteratedTo() >= CaseResult.Staleness.LONG_GAP_NANOS) {
                longGaps += v.getCountAtValueIteratedTo();
                longTime += time;
            }
        }
        return new CaseResult.Staleness(gaps.getTotalCount() + followers, gaps.getValueAtPercentile(50),
                gaps.getValueAtPercentile(99), gaps.getValueAtPercentile(99.9), gaps.getMaxValue(), longGaps,
                allTime == 0 ? 0.0 : 100 * longTime / allTime, stalls, interrupts, behind.getValueAtPercentile(50), behind.getValueAtPercentile(99),
                behind.getValueAtPercentile(99.9), behind.getMaxValue(), placed);
    }

    private static Histogram decode(String base64) throws java.util.zip.DataFormatException {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }

    /** The peer's JVM options, the plan's, and a safepoint log in the case directory (see {@link TailAnalysis}). */
    private static List<String> jvmOptions(BenchPlan.Case c, Path directory, String name) {
        List<String> options = new ArrayList<>(c.peer().jvmOptions());
        options.addAll(c.jvmOptions());
        options.add(TailAnalysis.logOption(directory, name));
        return options;
    }

    /** With pinning, the CPU list for {@code taskset}: the master (-1) on CPU 0, followers round-robin on the rest. */
    private static String cpus(BenchPlan.Case c, int follower) {
        if (!c.pin()) {
            return null;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        return follower < 0 || cores < 2 ? "0" : Integer.toString(1 + follower % (cores - 1));
    }

    private static void stop(List<Process> hogs) {
        for (Process hog : hogs) {
            hog.destroyForcibly();
        }
        for (Process hog : hogs) {
            try {
                hog.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        hogs.clear();
    }

    /**
     * Memory of the master and followers now (after the latency phase, nothing being published),
     * then the followers' CPU use over {@code cpuWindow} while they keep waiting. A long window
     * (the wake-up cases) starts after a second of settling: right after the latency phase the
     * JVM still finishes JIT compilations, which are not the cost of waiting.
     */
    private static CaseResult.Memory idleMemory(ForkedJvm master, List<ForkedJvm> followers, Duration cpuWindow)
            throws InterruptedException {
        ProcStatus masterStatus = ProcStatus.of(master.pid());
        long followerRss = 0;
        long followerShmem = 0;
        for (ForkedJvm follower : followers) {
            ProcStatus status = ProcStatus.of(follower.pid());
            followerRss = Math.max(followerRss, status.rssKiB());
            followerShmem = Math.max(followerShmem, status.rssShmemKiB());
        }
        Double idleCpu = null;
        if (cpuWindow.isPositive()) {
            if (cpuWindow.compareTo(LONG_IDLE_WINDOW) >= 0) {
                Thread.sleep(IDLE_SETTLE);
            }
            long[] before = followers.stream().mapToLong(f -> cpuNanos(f.pid())).toArray();
            long start = System.nanoTime();
            Thread.sleep(cpuWindow);
            long elapsed = System.nanoTime() - start;
            double highest = 0;
            for (int i = 0; i < followers.size(); i++) {
                highest = Math.max(highest, (cpuNanos(followers.get(i).pid()) - before[i]) * 100.0 / elapsed);
            }
            idleCpu = highest;
        }
        return new CaseResult.Memory(masterStatus.rssKiB(), masterStatus.rssShmemKiB(), followerRss, followerShmem, idleCpu);
    }

    /** User plus system CPU time of a live process (all its threads), from /proc. */
    private static long cpuNanos(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos)
                .orElseThrow(() -> new IllegalStateException("cannot read the CPU time of process " + pid));
    }

    /** /dev/shm where it exists (the peers' files live in memory there), else the temp dir. */
    static Path scratchRoot() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return message.replace('\n', ' ');
    }

    static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the case directory " + directory, e);
        }
    }
}
