package io.shm4j.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The harness's own back channel, separate from the peer under test: a small mapped file where
 * the master says it is ready and each follower acknowledges the last sequence number it
 * observed. The master publishes the next message only after every follower acknowledged the
 * previous one, so each latency sample is one publish travelling to idle-waiting followers, never
 * a queue.
 *
 * <p>Layout: the master's ready word at offset 0, the sequence number it last published at 8
 * (stored in the throughput phase only: followers compute how many versions behind a read is);
 * follower {@code i}'s ready word at
 * {@code 128 + 128 * i} and its ack word 8 bytes after it (128-byte spacing keeps each follower on
 * its own pair of cache lines).
 */
public final class AckBoard implements AutoCloseable {
    public static final int MAX_FOLLOWERS = 64;
    private static final long SLOT = 128;
    private static final long LENGTH = SLOT * (MAX_FOLLOWERS + 1);
    private static final String FILE_NAME = "acks";
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Arena arena;
    private final MemorySegment segment;

    private AckBoard(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
    }

    /** Creates (the coordinator) or opens (master and followers) the board in {@code directory}. */
    public static AckBoard open(Path directory) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(directory.resolve(FILE_NAME),
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (channel.size() < LENGTH) {
                channel.write(ByteBuffer.allocate(1), LENGTH - 1);
            }
            return new AckBoard(arena, channel.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH, arena));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** {@code followers} if the board has a slot for each. */
    public static int checkFollowerCount(int followers) {
        BenchPlan.within(followers, 1, MAX_FOLLOWERS, "a follower count", "the follower slots of the harness's ack board");
        return followers;
    }

    public void masterReadyRelease() {
        longRelease(0, 1L);
    }

    /** Waits (sleeping 1 ms between looks) until the master created the peer's resources. */
    public void awaitMasterReady(long timeoutNanos) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (longAcquire(0) == 0) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the master did not get ready");
            }
            Thread.sleep(1);
        }
    }

    /** The master's last published sequence number (throughput phase). */
    public void publishedRelease(long seq) {
        longRelease(8, seq);
    }

    public long publishedAcquire() {
        return longAcquire(8);
    }

    public void followerReadyRelease(int follower) {
        longRelease(slot(follower), 1L);
    }

    public void ackRelease(int follower, long seq) {
        longRelease(slot(follower) + 8, seq);
    }

    /** Waits (sleeping 1 ms between looks) until followers {@code 0..count-1} are ready. */
    public void awaitFollowersReady(int count, long timeoutNanos) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (int i = 0; i < count; i++) {
            while (longAcquire(slot(i)) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("follower " + i + " did not get ready");
                }
                Thread.sleep(1);
            }
        }
    }

    /**
     * Waits until followers {@code 0..count-1} all acknowledged {@code seq}: spins first (about
     * 100 µs: a fast peer acknowledges within a few), then yields, then parks 20 µs at a time.
     * The wait is not part of any measurement, so it gives the CPU away early: on a small machine
     * a follower descheduled by another thread then gets a core back sooner.
     */
    public void awaitAcks(int count, long seq, long timeoutNanos) throws TimeoutException {
        long deadline = 0;
        for (int i = 0; i < count; i++) {
            long address = slot(i) + 8;
            for (int idle = 0; longAcquire(address) < seq; idle++) {
                if (idle < 2_000) {
                    Thread.onSpinWait();
                } else if (idle < 2_200) {
                    Thread.yield();
                } else {
                    if (deadline == 0) {
                        deadline = System.nanoTime() + timeoutNanos;
                    } else if (System.nanoTime() > deadline) {
                        throw new TimeoutException("follower " + i + " did not acknowledge message " + seq
                                + " (it acknowledged " + longAcquire(address) + ")");
                    }
                    LockSupport.parkNanos(20_000);
                }
            }
        }
    }

    /** Whether followers {@code 0..count-1} all acknowledged {@code seq} or later. */
    public boolean acknowledgedAll(int count, long seq) {
        for (int i = 0; i < count; i++) {
            if (longAcquire(slot(i) + 8) < seq) {
                return false;
            }
        }
        return true;
    }

    private static long slot(int follower) {
        if (follower < 0 || follower >= MAX_FOLLOWERS) {
            throw new IllegalArgumentException("follower index " + follower + " is outside 0.." + (MAX_FOLLOWERS - 1));
        }
        return SLOT * (follower + 1);
    }

    private long longAcquire(long offset) {
        return (long) LONG.getAcquire(segment, offset);
    }

    private void longRelease(long offset, long value) {
        LONG.setRelease(segment, offset, value);
    }

    @Override
    public void close() {
        arena.close();
    }
}
