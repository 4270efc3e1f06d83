package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory of a live process from {@code /proc/<pid>/status} (Linux), in KiB. */
public record ProcStatus(long rssKiB, long rssShmemKiB) {

    /** Reads VmRSS and RssShmem of {@code pid}; both 0 where /proc is unavailable. */
    public static ProcStatus of(long pid) {
        long rss = 0;
        long shmem = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kiB(line);
                } else if (line.startsWith("RssShmem:")) {
                    shmem = kiB(line);
                }
            }
        } catch (IOException gone) {
            return new ProcStatus(0, 0);
        }
        return new ProcStatus(rss, shmem);
    }

    private static long kiB(String line) {
        String[] parts = line.split("\\s+");
        return Long.parseLong(parts[1]);
    }
}
