package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the scheduler put a case's busy threads: while a phase runs, samples every thread of the
 * master's and the followers' JVMs ({@code /proc/<pid>/task/<tid>/stat}: CPU time and the CPU it
 * last ran on) every {@link #INTERVAL_MILLIS} ms; afterwards takes each JVM's busiest thread over
 * the phase (the publishing or reading loop) and says how often a follower's sat on its master's
 * CPU. Under overload that decides staleness more than the protocol does: a spinning follower on
 * its master's CPU sees one version per scheduler slice. Linux only; elsewhere nothing is sampled.
 */
final class PlacementSampler implements AutoCloseable {
    static final int INTERVAL_MILLIS = 10;

    /** Per process, per thread id: its (CPU time in clock ticks, CPU) at each sample, null where it was not read. */
    private final List<Map<Long, List<long[]>>> threads = new ArrayList<>();
    private final List<Long> pids;
    private final Thread sampler;
    private volatile boolean stopping;
    private int sampleCount;

    /** Starts sampling the master {@code pids[0]} and its followers. */
    private PlacementSampler(List<Long> pids) {
        this.pids = pids;
        pids.forEach(pid -> threads.add(new HashMap<>()));
        sampler = Thread.ofPlatform().daemon().name("placement").start(this::sampleUntilStopped);
    }

    static PlacementSampler watch(long master, List<Long> followers) {
        List<Long> pids = new ArrayList<>(List.of(master));
        pids.addAll(followers);
        return new PlacementSampler(pids);
    }

    private void sampleUntilStopped() {
        while (!stopping) {
            for (int p = 0; p < pids.size(); p++) {
                sample(p);
            }
            sampleCount++;
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample(int p) {
        Path tasks = Path.of("/proc", Long.toString(pids.get(p)), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : list.toList()) {
                long[] reading = read(task.resolve("stat"));
                if (reading != null) {
                    List<long[]> series = threads.get(p).computeIfAbsent(Long.parseLong(task.getFileName().toString()),
                            tid -> new ArrayList<>());
                    while (series.size() < sampleCount) {
                        series.add(null);
                    }
                    series.add(reading);
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended, or this is not Linux: no sample of it this time
        }
    }

    /** (utime + stime, processor) of one thread, or null if it is gone. */
    private static long[] read(Path stat) {
        try {
            String text = Files.readString(stat);
            return new long[] {ThreadCounters.statField(text, 14) + ThreadCounters.statField(text, 15),
                ThreadCounters.statField(text, 39)};
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    /** Stops sampling and returns what it saw, null if nothing was sampled. */
    CaseResult.Placement stop() throws InterruptedException {
        stopping = true;
        sampler.join();
        List<List<long[]>> busiest = threads.stream().map(PlacementSampler::busiest).toList();
        if (busiest.stream().anyMatch(List::isEmpty)) {
            return null;
        }
        long both = 0;
        long shared = 0;
        for (int s = 0; s < sampleCount; s++) {
            long[] master = at(busiest.getFirst(), s);
            for (List<long[]> follower : busiest.subList(1, busiest.size())) {
                long[] mine = at(follower, s);
                if (master != null && mine != null) {
                    both++;
                    shared += master[1] == mine[1] ? 1 : 0;
                }
            }
        }
        long moves = busiest.stream().mapToLong(PlacementSampler::moves).sum();
        return both == 0 ? null : new CaseResult.Placement(both, 100.0 * shared / both, moves);
    }

    /** Stops sampling without waiting (a case that failed). */
    @Override
    public void close() {
        stopping = true;
        sampler.interrupt();
    }

    /** The series of the thread that used the most CPU between its first and last sample (empty if none). */
    private static List<long[]> busiest(Map<Long, List<long[]>> process) {
        List<long[]> best = List.of();
        long most = -1;
        for (List<long[]> series : process.values()) {
            List<long[]> present = series.stream().filter(r -> r != null).toList();
            long used = present.getLast()[0] - present.getFirst()[0];
            if (used > most) {
                most = used;
                best = series;
            }
        }
        return best;
    }

    private static long[] at(List<long[]> series, int sample) {
        return sample < series.size() ? series.get(sample) : null;
    }

    /** How many times the thread was seen on another CPU than at its previous sample. */
    private static long moves(List<long[]> series) {
        long moves = 0;
        long[] previous = null;
        for (long[] reading : series) {
            if (reading != null) {
                moves += previous != null && previous[1] != reading[1] ? 1 : 0;
                previous = reading;
            }
        }
        return moves;
    }
}
