package io.shm4j.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the kernel and the JVM did to the calling thread, read at the start and end of a latency
 * phase to say where its tail comes from: context switches it asked for (voluntary) and was
 * forced into (involuntary, preemption), migrations to another CPU (Linux's
 * {@code /proc/thread-self/sched}), minor and major page faults ({@code /proc/thread-self/stat}),
 * collections of the whole JVM, and the interrupts the whole machine served (all CPUs, the first
 * figure of {@code /proc/stat}'s {@code intr} line: each one stops whatever thread runs on its CPU
 * for a few microseconds). A figure this kernel does not expose is -1.
 */
public record ThreadCounters(long voluntarySwitches, long involuntarySwitches, long migrations, long minorFaults,
                      long majorFaults, long collections, long interrupts) {
    private static final Path SCHED = Path.of("/proc/thread-self/sched");
    private static final Path STAT = Path.of("/proc/thread-self/stat");
    private static final Path MACHINE_STAT = Path.of("/proc/stat");

    /** Field {@code n} of a {@code /proc/.../stat} line, numbered as proc(5) numbers them (pid is 1). */
    static long statField(String stat, int n) {
        // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[n - 3]);
    }

    static ThreadCounters now() {
        long voluntary = -1;
        long involuntary = -1;
        long migrations = -1;
        long minor = -1;
        long major = -1;
        try {
            for (String line : Files.readAllLines(SCHED)) {
                int colon = line.lastIndexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                switch (key) {
                    case "nr_voluntary_switches" -> voluntary = Long.parseLong(value);
                    case "nr_involuntary_switches" -> involuntary = Long.parseLong(value);
                    case "se.nr_migrations" -> migrations = Long.parseLong(value);
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException unavailable) {
            // a kernel without CONFIG_SCHED_DEBUG: the figures stay -1
        }
        try {
            String stat = Files.readString(STAT);
            minor = statField(stat, 10);
            major = statField(stat, 12);
        } catch (IOException | RuntimeException unavailable) {
            // not Linux: the figures stay -1
        }
        long collections = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, gc.getCollectionCount());
        }
        return new ThreadCounters(voluntary, involuntary, migrations, minor, major, collections, interruptsSinceBoot());
    }

    /** Interrupts served by all CPUs since boot; -1 if unknown. */
    static long interruptsSinceBoot() {
        try (var lines = Files.lines(MACHINE_STAT)) {
            return lines.filter(l -> l.startsWith("intr ")).findFirst()
                    .map(l -> Long.parseLong(l.split(" ", 3)[1])).orElse(-1L);
        } catch (IOException | RuntimeException unavailable) {
            return -1; // not Linux
        }
    }

    /** What happened between {@code earlier} and this reading. */
    ThreadCounters since(ThreadCounters earlier) {
        return new ThreadCounters(delta(voluntarySwitches, earlier.voluntarySwitches),
                delta(involuntarySwitches, earlier.involuntarySwitches), delta(migrations, earlier.migrations),
                delta(minorFaults, earlier.minorFaults), delta(majorFaults, earlier.majorFaults),
                collections - earlier.collections, delta(interrupts, earlier.interrupts));
    }

    private static long delta(long now, long then) {
        return now < 0 || then < 0 ? -1 : now - then;
    }

    /** Comma-separated, for a stdout line. */
    String encode() {
        return voluntarySwitches + "," + involuntarySwitches + "," + migrations + "," + minorFaults + "," + majorFaults + ","
                + collections + "," + interrupts;
    }

    static ThreadCounters decode(String text) {
        String[] f = text.split(",");
        return new ThreadCounters(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]));
    }

    /** The sum of two threads' counters (followers merged); -1 stays unknown. */
    ThreadCounters plus(ThreadCounters other) {
        return new ThreadCounters(sum(voluntarySwitches, other.voluntarySwitches), sum(involuntarySwitches, other.involuntarySwitches),
                sum(migrations, other.migrations), sum(minorFaults, other.minorFaults), sum(majorFaults, other.majorFaults),
                collections + other.collections, sum(interrupts, other.interrupts));
    }

    private static long sum(long a, long b) {
        return a < 0 || b < 0 ? -1 : a + b;
    }
}
