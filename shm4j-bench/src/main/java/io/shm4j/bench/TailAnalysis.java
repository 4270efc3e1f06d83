package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Attributes a case's slowest latency samples to safepoints. Every forked JVM logs its safepoints
 * ({@code -Xlog:safepoint}) stamped with {@code timenanos}, the clock of {@code System.nanoTime()}
 * that the samples are stamped with, so a sample (sent at {@code s}, observed {@code l} later)
 * overlapped a safepoint that ended at {@code t} after {@code d} if {@code [s, s+l]} and
 * {@code [t-d, t]} intersect. A safepoint whose operation collects garbage ("...Collect...") is a
 * GC pause. The threads' own counters (preemptions, migrations, page faults) come with the
 * processes' results ({@link ThreadCounters}).
 */
final class TailAnalysis {
    private static final Pattern LINE = Pattern.compile("^\\[(\\d+)ns\\] Safepoint \"([^\"]*)\".*Total: (\\d+) ns");

    /** One of a follower's slowest samples. */
    record Sample(int follower, long sentNanos, long latencyNanos) {
    }

    private record Safepoint(long start, long end, boolean collects) {
        boolean overlaps(Sample s) {
            return start <= s.sentNanos() + s.latencyNanos() && s.sentNanos() <= end;
        }
    }

    private TailAnalysis() {
    }

    /** The JVM option that makes process {@code name} log its safepoints into the case directory. */
    static String logOption(Path directory, String name) {
        return "-Xlog:safepoint=info:file=" + log(directory, name) + ":timenanos";
    }

    private static Path log(Path directory, String name) {
        return directory.resolve(name + ".safepoints");
    }

    /** A follower's tail as printed by {@link PeerProcess} ({@code sent:latency} pairs, or {@code -}). */
    static List<Sample> samples(int follower, String text) {
        List<Sample> samples = new ArrayList<>();
        if (text.equals("-")) {
            return samples;
        }
        for (String pair : text.split(",")) {
            int colon = pair.indexOf(':');
            samples.add(new Sample(follower, Long.parseLong(pair.substring(0, colon)), Long.parseLong(pair.substring(colon + 1))));
        }
        return samples;
    }

    static CaseResult.Tail analyse(Path directory, int followers, ThreadCounters master, ThreadCounters followerCounters,
                                   List<Sample> tail) throws IOException {
        List<Safepoint> masterSafepoints = safepoints(log(directory, "master"));
        List<List<Safepoint>> followerSafepoints = new ArrayList<>();
        long longest = masterSafepoints.stream().mapToLong(p -> p.end() - p.start()).max().orElse(0);
        int followerCount = 0;
        for (int i = 0; i < followers; i++) {
            List<Safepoint> own = safepoints(log(directory, "follower" + i));
            followerSafepoints.add(own);
            followerCount += own.size();
            longest = Math.max(longest, own.stream().mapToLong(p -> p.end() - p.start()).max().orElse(0));
        }
        int duringMaster = 0;
        int duringFollower = 0;
        int duringCollection = 0;
        for (Sample sample : tail) {
            List<Safepoint> own = followerSafepoints.get(sample.follower());
            boolean inMaster = masterSafepoints.stream().anyMatch(p -> p.overlaps(sample));
            boolean inFollower = own.stream().anyMatch(p -> p.overlaps(sample));
            duringMaster += inMaster ? 1 : 0;
            duringFollower += inFollower ? 1 : 0;
            if (masterSafepoints.stream().anyMatch(p -> p.collects() && p.overlaps(sample))
                    || own.stream().anyMatch(p -> p.collects() && p.overlaps(sample))) {
                duringCollection++;
            }
        }
        return new CaseResult.Tail(master, followerCounters, tail.size(),
                tail.stream().mapToLong(Sample::latencyNanos).max().orElse(0),
                tail.stream().mapToLong(Sample::latencyNanos).min().orElse(0),
                duringMaster, duringFollower, duringCollection, masterSafepoints.size(), followerCount, longest);
    }

    private static List<Safepoint> safepoints(Path log) throws IOException {
        List<Safepoint> safepoints = new ArrayList<>();
        if (!Files.exists(log)) {
            return safepoints;
        }
        for (String line : Files.readAllLines(log)) {
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                long end = Long.parseLong(m.group(1));
                safepoints.add(new Safepoint(end - Long.parseLong(m.group(3)), end, m.group(2).contains("Collect")));
            }
        }
        return safepoints;
    }
}
