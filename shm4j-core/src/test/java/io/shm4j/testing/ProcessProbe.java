package io.shm4j.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What Linux's {@code /proc} tells about another process: which of its threads sleep in a shared
 * {@code FUTEX_WAIT}, and how much CPU it used. Lets cross-process tests wait until a child
 * really blocks in the kernel (rather than sleeping an arbitrary time) and lets measurements
 * read a waiter's idle CPU.
 */
public final class ProcessProbe {
    /** {@code SYS_futex} on this machine's architecture. */
    private static final String SYS_FUTEX = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> "202";
        case "aarch64", "riscv64" -> "98";
        default -> throw new IllegalStateException("no futex syscall number known for " + System.getProperty("os.arch"));
    };
    /** Clock ticks per second of {@code /proc/<pid>/stat} times ({@code USER_HZ}, 100 on Linux). */
    public static final int TICKS_PER_SECOND = 100;

    private ProcessProbe() {
    }

    /**
     * Threads of {@code pid} now inside {@code FUTEX_WAIT} with op 0 (shared, no
     * {@code FUTEX_PRIVATE_FLAG}): shm4j's waits. The JVM's own locks use private futexes, so
     * they are not counted. Reads {@code /proc/<pid>/task/<tid>/syscall}: the syscall number,
     * then its arguments (the futex op is the second).
     */
    public static int threadsInSharedFutexWait(long pid) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String[] f;
                try {
                    f = Files.readString(task.resolve("syscall")).trim().split(" ");
                } catch (NoSuchFileException e) {
                    continue; // the thread ended
                }
                if (f.length > 2 && f[0].equals(SYS_FUTEX) && f[2].equals("0x0")) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Waits until {@code pid} has at least {@code threads} threads in a shared futex wait. */
    public static void awaitSharedFutexWaiters(long pid, int threads, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (threadsInSharedFutexWait(pid) < threads) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("process " + pid + " did not have " + threads
                        + " thread(s) blocked in a shared FUTEX_WAIT within " + timeout);
            }
            Thread.sleep(5);
        }
    }

    /** User plus system CPU time of {@code pid} so far, in clock ticks ({@link #TICKS_PER_SECOND}). */
    public static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // "pid (comm) state ..." : comm may hold spaces, so count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15 of stat
    }
}
