package io.shm4j.bench;

import io.shm4j.ShmOptions;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bytes every peer carries: a 24-byte header, then filler up to the payload size.
 *
 * <pre>
 * offset 0  long seq         1, 2, 3 ... in publish order
 * offset 8  long sentNanos   System.nanoTime() of the publisher just before it publishes
 * offset 16 int  phase       {@link #WARMUP}, {@link #LATENCY}, {@link #THROUGHPUT} or {@link #STOP}
 * offset 20 int  size        the whole payload length
 * </pre>
 *
 * <p>Publisher and followers run on one host, so their {@code System.nanoTime()} readings come from
 * the same clock (CLOCK_MONOTONIC on Linux) and {@code receiveNanos - sentNanos} is the one-way
 * latency. Little-endian throughout.
 */
public final class Payload {
    public static final int HEADER_LENGTH = 24;
    /** The largest payload: shm4j's peers publish it as one object of the default limit. */
    public static final int MAX_SIZE = ShmOptions.DEFAULT_MAX_OBJECT_SIZE;
    public static final int SEQ_OFFSET = 0;
    public static final int SENT_NANOS_OFFSET = 8;
    public static final int PHASE_OFFSET = 16;
    public static final int SIZE_OFFSET = 20;

    public static final int WARMUP = 0;
    public static final int LATENCY = 1;
    public static final int THROUGHPUT = 2;
    public static final int STOP = 3;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Payload() {
    }

    /** {@code size} if a payload can have it: {@value #HEADER_LENGTH} bytes to {@link #MAX_SIZE}. */
    public static int checkSize(int size) {
        BenchPlan.within(size, HEADER_LENGTH, MAX_SIZE, "a payload size in bytes",
                "its " + HEADER_LENGTH + "-byte header to shm4j's largest object, " + Units.bytes(MAX_SIZE));
        return size;
    }

    /** A payload of {@code size} bytes ({@link #checkSize}) with a non-zero filler pattern. */
    public static byte[] allocate(int size) {
        checkSize(size);
        byte[] payload = new byte[size];
        for (int i = HEADER_LENGTH; i < size; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        INT.set(payload, SIZE_OFFSET, size);
        return payload;
    }

    /** Writes seq, phase and the current nanoTime into the header; call just before publishing. */
    public static void stamp(byte[] payload, long seq, int phase) {
        LONG.set(payload, SEQ_OFFSET, seq);
        INT.set(payload, PHASE_OFFSET, phase);
        LONG.set(payload, SENT_NANOS_OFFSET, System.nanoTime());
    }

    public static long seq(byte[] payload) {
        return (long) LONG.get(payload, SEQ_OFFSET);
    }

    public static long sentNanos(byte[] payload) {
        return (long) LONG.get(payload, SENT_NANOS_OFFSET);
    }

    public static int phase(byte[] payload) {
        return (int) INT.get(payload, PHASE_OFFSET);
    }

    /** Copies the header of {@code payload} (any byte order; read little-endian) into {@code into}. */
    public static void read(ByteBuffer payload, Observation into) {
        ByteBuffer le = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        into.set(le.getLong(SEQ_OFFSET), le.getLong(SENT_NANOS_OFFSET), le.getInt(PHASE_OFFSET));
    }

    /** Copies the header of {@code payload} into {@code into}. */
    public static void read(byte[] payload, Observation into) {
        into.set(seq(payload), sentNanos(payload), phase(payload));
    }
}
