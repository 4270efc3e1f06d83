package io.shm4j.internal;

import java.time.Instant;

/**
 * Process identity as shm4j records it: a pid plus the process's start time, so that a reused
 * pid is not taken for the process that recorded it (FORMAT.md 3.1 masterStart, 3.3).
 */
public final class Processes {
    private Processes() {
    }

    /** This process's pid. */
    public static long selfPid() {
        return ProcessHandle.current().pid();
    }

    /** This process's start, ms since the epoch; 0 if unknown. */
    public static long selfStartMillis() {
        return startMillis(ProcessHandle.current());
    }

    /** {@code process}'s start, ms since the epoch (the JDK reads /proc on Linux); 0 if unknown. */
    public static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /**
     * True if process {@code pid} exists and started when recorded (within a second, the
     * precision of /proc's start times), so a reused pid does not count; {@code startMillis} 0
     * means unknown and accepts any start.
     */
    public static boolean isAlive(long pid, long startMillis) {
        // pid_t is 32-bit: ProcessHandle.of would truncate a larger (damaged) pid to another process's.
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return false;
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> startMillis == 0
                || p.info().startInstant().map(Instant::toEpochMilli).map(t -> Math.abs(t - startMillis) < 1000).orElse(true))
                .orElse(false);
    }
}
