package io.shm4j.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import static io.shm4j.internal.ObjectRegionDescriptor.*;

/**
 * A randomly damaged copy of an object region file with minimum-capacity slots, for fuzz tests
 * (the library's and the CLI's): one of a few random bytes anywhere, a header field or a slot
 * header field set to an edge or random value, a payload byte flipped, or the file truncated.
 *
 * @param bytes          the damaged file
 * @param contentTypeHit whether the damage may have changed a slot's content type field, the one
 *                       field no check covers (FORMAT.md 5.2)
 */
public record RegionDamage(byte[] bytes, boolean contentTypeHit) {
    /** Header fields a reader or master interprets. */
    private static final long[] FIELDS = {
            FORMAT_VERSION_OFFSET, HEADER_LENGTH_OFFSET, SLOT_CAPACITY_OFFSET, FILE_LENGTH_OFFSET, FLAGS_OFFSET,
            NOTIFY_OFFSET, MASTER_PID_OFFSET, MASTER_START_OFFSET, GENERATION_OFFSET, COMMITTED_OFFSET};
    private static final long[] SLOT_FIELDS = {
            SLOT_SEQ_OFFSET, SLOT_VERSION_OFFSET, SLOT_LENGTH_OFFSET, SLOT_CONTENT_TYPE_OFFSET, SLOT_PUBLISH_TIME_OFFSET,
            SLOT_CRC_OFFSET};
    private static final long[] EDGE_VALUES = {0, 1, 2, 3, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE, MIN_SLOT_CAPACITY, MIN_SLOT_CAPACITY + 1, 1L << 32};
    private static final long SLOT_SIZE = SLOT_HEADER_LENGTH + MIN_SLOT_CAPACITY;

    /** One random damage of {@code pristine}, a region file whose slots have the minimum capacity. */
    public static RegionDamage of(byte[] pristine, SplittableRandom random) {
        byte[] b = pristine.clone();
        switch (random.nextInt(5)) {
            case 0 -> {
                boolean contentTypeHit = false;
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    int at = random.nextInt(b.length);
                    b[at] = (byte) random.nextInt(256);
                    contentTypeHit |= isSlotContentType(at, 1);
                }
                return new RegionDamage(b, contentTypeHit);
            }
            case 1 -> {
                putField(b, FIELDS[random.nextInt(FIELDS.length)], value(random));
                return new RegionDamage(b, false);
            }
            case 2 -> {
                long field = HEADER_LENGTH + random.nextInt(2) * SLOT_SIZE + SLOT_FIELDS[random.nextInt(SLOT_FIELDS.length)];
                putField(b, field, value(random));
                return new RegionDamage(b, isSlotContentType(field, 1));
            }
            case 3 -> {
                long payload = HEADER_LENGTH + random.nextInt(2) * SLOT_SIZE + SLOT_HEADER_LENGTH;
                b[(int) payload + random.nextInt(64)] ^= (byte) (1 + random.nextInt(255));
                return new RegionDamage(b, false);
            }
            default -> {
                return new RegionDamage(Arrays.copyOf(b, random.nextInt(b.length)), false);
            }
        }
    }

    private static long value(SplittableRandom random) {
        return random.nextBoolean() ? EDGE_VALUES[random.nextInt(EDGE_VALUES.length)] : random.nextLong();
    }

    /** Whether {@code [offset, offset + width)} overlaps either slot's content type field. */
    private static boolean isSlotContentType(long offset, int width) {
        for (int slot = 0; slot < 2; slot++) {
            long field = slotOffset(MIN_SLOT_CAPACITY, slot) + SLOT_CONTENT_TYPE_OFFSET;
            if (offset < field + 4 && field < offset + width) {
                return true;
            }
        }
        return false;
    }

    /** Writes {@code value} little-endian, 4 or 8 bytes as the field is wide (FORMAT.md 3 and 5). */
    private static void putField(byte[] b, long offset, long value) {
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long inSlot = (offset - HEADER_LENGTH) % SLOT_SIZE;
        boolean narrow = offset < HEADER_LENGTH
                ? offset == FORMAT_VERSION_OFFSET || offset == HEADER_LENGTH_OFFSET || offset == FLAGS_OFFSET
                  || offset == NOTIFY_OFFSET
                : inSlot == SLOT_LENGTH_OFFSET || inSlot == SLOT_CONTENT_TYPE_OFFSET || inSlot == SLOT_CRC_OFFSET;
        if (narrow) {
            le.putInt((int) offset, (int) value);
        } else {
            le.putLong((int) offset, value);
        }
    }
}
