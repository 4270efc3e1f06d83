package io.shm4j.testing;

import io.shm4j.internal.ChangeWaiter;
import io.shm4j.internal.Futex;
import io.shm4j.IdleStrategy;
import io.shm4j.ShmOptions;
import io.shm4j.WaitStrategy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.shm4j.internal.ObjectRegionDescriptor.COMMITTED_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.NOTIFY_OFFSET;

/**
 * A waiting process for the futex tests. It maps the file READ_ONLY, as a follower does, prints
 * {@code WAITING ...} just before it waits, and {@code RESULT ...} when the wait ends.
 * <ul>
 * <li>{@code futex FILE EXPECTED|current TIMEOUT_MS}: one {@link Futex#await} on the notify word;
 * prints {@code RESULT WOKEN|VALUE_CHANGED|TIMED_OUT <elapsed ms>}.</li>
 * <li>{@code change FILE STRATEGY TIMEOUT_MS}: a {@link ChangeWaiter} waits until committed
 * differs from its value at start; prints {@code WAITING <effective strategy>}, then
 * {@code RESULT <outcome> <committed> <elapsed ms> <notices logged>}.</li>
 * </ul>
 */
public final class FutexChild {
    /** Held so that JUL keeps the logger (and the counting handler) alive. */
    private static final Logger SHM4J_LOGGER = Logger.getLogger("io.shm4j");

    private FutexChild() {
    }

    public static void main(String[] args) throws Exception {
        AtomicInteger notices = countLogRecords();
        Path file = Path.of(args[1]);
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment region = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            switch (args[0]) {
                case "futex" -> futex(region, args[2], Long.parseLong(args[3]));
                case "change" -> change(region, file, WaitStrategy.valueOf(args[2]), Long.parseLong(args[3]), notices);
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        }
    }

    private static void futex(MemorySegment region, String expectedArg, long timeoutMs) {
        int current = region.get(ValueLayout.JAVA_INT, NOTIFY_OFFSET);
        int expected = expectedArg.equals("current") ? current : Integer.parseInt(expectedArg);
        System.out.println("WAITING " + current);
        long start = System.nanoTime();
        int r = Futex.await(region, NOTIFY_OFFSET, expected, TimeUnit.MILLISECONDS.toNanos(timeoutMs));
        String name = switch (r) {
            case Futex.WOKEN -> "WOKEN";
            case Futex.VALUE_CHANGED -> "VALUE_CHANGED";
            case Futex.TIMED_OUT -> "TIMED_OUT";
            default -> "UNKNOWN_" + r;
        };
        System.out.println("RESULT " + name + " " + elapsedMs(start));
    }

    private static void change(MemorySegment region, Path file, WaitStrategy strategy, long timeoutMs, AtomicInteger notices)
            throws InterruptedException, IOException {
        long start = region.get(ValueLayout.JAVA_LONG, COMMITTED_OFFSET);
        try (ChangeWaiter waiter = ChangeWaiter.create(strategy, IdleStrategy.backoff(),
                Registered.entry(file, ShmOptions.defaults()), Registered.legacy(file, ShmOptions.defaults()))) {
            System.out.println("WAITING " + waiter.effective());
            long t0 = System.nanoTime();
            ChangeWaiter.Outcome o = waiter.await(region, NOTIFY_OFFSET,
                    () -> (long) ValueLayout.JAVA_LONG.varHandle().getAcquire(region, (long) COMMITTED_OFFSET) != start,
                    TimeUnit.MILLISECONDS.toNanos(timeoutMs));
            System.out.println("RESULT " + o + " " + region.get(ValueLayout.JAVA_LONG, COMMITTED_OFFSET) + " "
                    + elapsedMs(t0) + " " + notices.get());
        }
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static AtomicInteger countLogRecords() {
        AtomicInteger n = new AtomicInteger();
        SHM4J_LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                n.incrementAndGet();
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        return n;
    }

    /** Maps {@code file} read-write, as the master does, for the test's side. */
    public static MemorySegment mapReadWrite(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
        }
    }
}
