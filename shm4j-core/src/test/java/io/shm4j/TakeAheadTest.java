package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.Arrays;

import static io.shm4j.internal.ObjectRegionDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * After each commit the master stores back the lines of the slot its next publish writes
 * ({@code ObjectRegionWriter.takeAhead}): that slot's bytes, which a slow reader may still be
 * copying, must keep every value, whatever its length field says. (Readers racing it are the
 * torn-read stress tests and the jcstress tests of the publish.)
 */
class TakeAheadTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions options = dir.options();

    @Test
    void aPublishLeavesTheOtherSlotByteForByteAsItWas() throws IOException {
        try (var master = SharedObject.master("ahead", ObjectCodecs.bytes(), options)) {
            master.publish(pattern(1000, 7)); // version 1, slot 1
            byte[] before = Files.readAllBytes(dir.path().resolve("ahead"));
            master.publish(pattern(3000, 11)); // version 2, slot 0; takes slot 1 ahead for version 3
            byte[] after = Files.readAllBytes(dir.path().resolve("ahead"));
            assertThat(slot(after, 1)).as("slot 1, holding version 1").isEqualTo(slot(before, 1));
            try (var follower = SharedObject.follower("ahead", ObjectCodecs.bytes(), options)) {
                assertThat(follower.get()).isEqualTo(pattern(3000, 11));
            }
            master.publish(pattern(2000, 13)); // version 3 into the slot taken ahead
            try (var follower = SharedObject.follower("ahead", ObjectCodecs.bytes(), options)) {
                assertThat(follower.get()).isEqualTo(pattern(2000, 13));
            }
        }
    }

    @Test
    void aDamagedLengthInTheOtherSlotBoundsNothingAndChangesNothing() throws IOException {
        for (int damaged : new int[] {-1, Integer.MAX_VALUE, MIN_SLOT_CAPACITY + 1}) {
            String tag = "damaged" + Integer.toUnsignedString(damaged);
            try (var master = SharedObject.master(tag, ObjectCodecs.bytes(), options)) {
                master.publish(pattern(100, 3)); // version 1, slot 1
                dir.edit(tag, seg -> seg.set(INT, slotOffset(MIN_SLOT_CAPACITY, 1) + SLOT_LENGTH_OFFSET, damaged));
                byte[] before = Files.readAllBytes(dir.path().resolve(tag));
                master.publish(pattern(200, 5)); // version 2, slot 0
                byte[] after = Files.readAllBytes(dir.path().resolve(tag));
                assertThat(slot(after, 1)).as("length %s", Integer.toUnsignedString(damaged)).isEqualTo(slot(before, 1));
                try (var follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
                    assertThat(follower.get()).isEqualTo(pattern(200, 5));
                }
            }
        }
    }

    /** Slot {@code index}'s header and payload capacity in a file of the smallest capacity. */
    private static byte[] slot(byte[] file, int index) {
        assertThat(ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(SLOT_CAPACITY_OFFSET)).isEqualTo(MIN_SLOT_CAPACITY);
        int start = (int) slotOffset(MIN_SLOT_CAPACITY, index);
        return Arrays.copyOfRange(file, start, start + SLOT_HEADER_LENGTH + MIN_SLOT_CAPACITY);
    }

    private static byte[] pattern(int length, int step) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * step);
        }
        return bytes;
    }
}
