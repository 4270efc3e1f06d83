package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import static io.shm4j.internal.ObjectRegionDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ShmOptions#withVerifyChecksums}: what a follower that skips the CRC-32 still checks, and
 * what it gives up. (That its copies stay whole under a master publishing flat out is
 * {@code SharedObjectCrossProcessTest.tornReadStressAcrossProcessesFindsNoInvalidRead}.)
 */
class VerifyChecksumsTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions options = dir.options();

    @Test
    void followersVerifyByDefault() {
        assertThat(ShmOptions.defaults().verifyChecksums()).isTrue();
        assertThat(ShmOptions.defaults().withVerifyChecksums(false).verifyChecksums()).isFalse();
        assertThat(ShmOptions.defaults().withVerifyChecksums(false).withDirectory(dir.path()).verifyChecksums())
                .as("kept by the other withers").isFalse();
    }

    @Test
    void aDamagedPayloadIsCorruptForAVerifyingFollowerAndReturnedAsItIsWithoutVerification() throws IOException {
        publish("damaged", "hello");
        long slot = slotOffset(MIN_SLOT_CAPACITY, slotIndex(1));
        dir.edit("damaged", seg -> seg.set(ValueLayout.JAVA_BYTE, slot + SLOT_HEADER_LENGTH, (byte) 'j'));

        try (var verifying = SharedObject.follower("damaged", ObjectCodecs.text(), options)) {
            assertThatThrownBy(verifying::get).isInstanceOf(CorruptRegionException.class)
                    .hasMessageContaining("region damaged").hasMessageContaining("CRC-32 mismatch");
        }
        try (var trusting = SharedObject.follower("damaged", ObjectCodecs.text(), options.withVerifyChecksums(false))) {
            assertThat(trusting.get()).isEqualTo("jello");
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(trusting.readNewer(buffer)).isTrue();
            assertThat(new String(buffer.array(), 0, buffer.length(), StandardCharsets.UTF_8)).isEqualTo("jello");
        }
    }

    @Test
    void withoutVerificationTheSlotsOtherChecksStillHold() throws IOException {
        publish("length", "hello");
        long slot = slotOffset(MIN_SLOT_CAPACITY, slotIndex(1));
        dir.edit("length", seg -> seg.set(INT, slot + SLOT_LENGTH_OFFSET, (int) MIN_SLOT_CAPACITY + 1));
        try (var trusting = SharedObject.follower("length", ObjectCodecs.text(), options.withVerifyChecksums(false))) {
            assertThatThrownBy(trusting::get).isInstanceOf(CorruptRegionException.class)
                    .hasMessageContaining("exceeds slot capacity");
        }
    }

    @Test
    void anUnverifiedFollowerFollowsGrowthAndStaysUnverified() throws IOException {
        try (var master = SharedObject.master("grows", ObjectCodecs.text(), options);
             var trusting = SharedObject.follower("grows", ObjectCodecs.text(), options.withVerifyChecksums(false))) {
            master.publish("small");
            assertThat(trusting.get()).isEqualTo("small");
            String large = "y".repeat((int) MIN_SLOT_CAPACITY * 4);
            master.publish(large); // moves the region to a larger file (FORMAT.md 5.4)
            assertThat(trusting.get()).isEqualTo(large);
            dir.edit("grows", seg -> seg.set(ValueLayout.JAVA_BYTE,
                    slotOffset(seg.get(LONG, SLOT_CAPACITY_OFFSET), slotIndex(2)) + SLOT_HEADER_LENGTH, (byte) 'z'));
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(trusting.readNewer(buffer)).isTrue();
            assertThat(buffer.array()[0]).as("the new file's reads skip the CRC-32 too").isEqualTo((byte) 'z');
        }
    }

    private void publish(String tag, String text) throws IOException {
        try (var master = SharedObject.master(tag, ObjectCodecs.text(), options)) {
            master.publish(text);
        }
    }
}
