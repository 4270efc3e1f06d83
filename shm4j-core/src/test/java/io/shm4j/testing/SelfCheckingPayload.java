package io.shm4j.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Payloads that prove their own integrity: 8 bytes of seed, 4 bytes of length, then a stream
 * generated from the seed. Any torn, shifted or partial copy fails {@link #isValid}.
 */
public final class SelfCheckingPayload {
    public static final int MIN_LENGTH = 12;

    private SelfCheckingPayload() {
    }

    public static byte[] create(long seed, int length) {
        int n = Math.max(MIN_LENGTH, length);
        byte[] b = new byte[n];
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(0, seed).putInt(8, n);
        fill(seed, b);
        return b;
    }

    public static boolean isValid(byte[] b) {
        if (b == null || b.length < MIN_LENGTH) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(8) != b.length) {
            return false;
        }
        long x = buf.getLong(0) | 1;
        for (int i = MIN_LENGTH; i < b.length; i++) {
            x = next(x);
            if (b[i] != (byte) x) {
                return false;
            }
        }
        return true;
    }

    /** Lengths spread log-uniformly from 1 byte to {@code max}. */
    public static int randomLength(SplittableRandom random, int max) {
        return (int) Math.min(max, Math.round(Math.exp(random.nextDouble() * Math.log(max))));
    }

    private static void fill(long seed, byte[] b) {
        long x = seed | 1;
        for (int i = MIN_LENGTH; i < b.length; i++) {
            x = next(x);
            b[i] = (byte) x;
        }
    }

    private static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }
}
