package io.shm4j.cli;

import java.time.Instant;

/** Whether the master recorded in a region's header is still running. */
final class MasterStatus {
    private MasterStatus() {
    }

    /**
     * True if process {@code pid} exists and started when the header says (within a second, the
     * precision of /proc's start times), so a reused pid does not count as the master.
     */
    static boolean isAlive(long pid, long startMillis) {
        // pid_t is 32-bit: ProcessHandle.of would truncate a larger (damaged) pid to another process's.
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return false;
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> startMillis == 0
                || p.info().startInstant().map(Instant::toEpochMilli).map(t -> Math.abs(t - startMillis) < 1000).orElse(true))
                .orElse(false);
    }
}
