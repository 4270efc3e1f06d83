package io.shm4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

import static io.shm4j.internal.ObjectRegionDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Fuzzes a region file at rest: a valid file with two committed versions (one per slot) is
 * damaged at random, then a fresh follower reads it and a fresh master takes it over. Whatever the
 * damage, a read returns one of the two versions exactly as published, nothing (when
 * {@code committed} became 0), or a {@link Shm4jException} naming the region, within a second;
 * never another exception, never other bytes, never a hang. The one field a read may return
 * changed is the slot's content type, when the damage hit it: the CRC-32 covers the payload
 * only (FORMAT.md 5.2), and another valid type is not detectable. A master either refuses the file with
 * a {@link Shm4jException} and leaves it as it was, or publishes a version that a follower then
 * reads whole. Seeded: a failure names the seed and the iteration, and re-running is exact. A
 * longer run: {@code ./mvnw -pl shm4j-core test -Dtest=RegionFileFuzzTest -Dshm4j.fuzz.seed=N
 * -Dshm4j.fuzz.iterations=M}.
 */
class RegionFileFuzzTest {
    private static final long SEED = Long.getLong("shm4j.fuzz.seed", 0x5EED_5A4D_1EL);
    private static final int ITERATIONS = Integer.getInteger("shm4j.fuzz.iterations", 5000);
    private static final long READ_LIMIT_NANOS = 1_000_000_000L;
    private static final byte[] FIRST = "{\"version\":1,\"color\":\"blue\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECOND = "{\"version\":2,\"color\":\"green\",\"threads\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] THIRD = "{\"version\":3}".getBytes(StandardCharsets.UTF_8);
    /** Header and slot-header fields a reader interprets: where targeted damage goes. */
    private static final long[] FIELDS = {
            FORMAT_VERSION_OFFSET, HEADER_LENGTH_OFFSET, SLOT_CAPACITY_OFFSET, FILE_LENGTH_OFFSET, FLAGS_OFFSET,
            NOTIFY_OFFSET, MASTER_PID_OFFSET, MASTER_START_OFFSET, GENERATION_OFFSET, COMMITTED_OFFSET};
    private static final long[] SLOT_FIELDS = {
            SLOT_SEQ_OFFSET, SLOT_VERSION_OFFSET, SLOT_LENGTH_OFFSET, SLOT_CONTENT_TYPE_OFFSET, SLOT_PUBLISH_TIME_OFFSET,
            SLOT_CRC_OFFSET};
    private static final long[] EDGE_VALUES = {0, 1, 2, 3, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE, 4032, 4033, 1L << 32};

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions options = dir.options();

    @Test
    void damagedRegionFilesReadWholeOrFailClearlyAndMastersNeverLoseTheLastGoodData() throws IOException {
        byte[] pristine = pristineRegion();
        Path file = dir.path().resolve("fuzz");
        SplittableRandom random = new SplittableRandom(SEED);
        int[] outcomes = new int[4]; // whole read, nothing, refused by follower, refused by master
        for (int i = 0; i < ITERATIONS; i++) {
            String where = "seed " + Long.toHexString(SEED) + ", iteration " + i;
            Damage damage = damage(pristine, random);
            byte[] damaged = damage.bytes();
            Files.write(file, damaged);
            outcomes[readAndCheck(where, damage)]++;
            if (!takeOverAndCheck(file, damaged, where)) {
                outcomes[3]++;
            }
        }
        // The damage reached every kind of outcome; else the fuzzer tests less than it claims.
        assertThat(outcomes[0]).as("whole reads").isPositive();
        assertThat(outcomes[1]).as("nothing committed").isPositive();
        assertThat(outcomes[2]).as("refused by the follower").isPositive();
        assertThat(outcomes[3]).as("refused by the master").isPositive();
    }

    /** Region "fuzz" with FIRST in slot 1 and SECOND, committed, in slot 0; the file's bytes. */
    private byte[] pristineRegion() throws IOException {
        try (var master = SharedObject.master("fuzz", ObjectCodecs.bytes(ContentType.JSON), options)) {
            master.publish(FIRST);
            master.publish(SECOND);
        }
        Files.deleteIfExists(dir.path().resolve("fuzz" + "~sleepers"));
        return Files.readAllBytes(dir.path().resolve("fuzz"));
    }

    /** The damaged file, and whether the damage may have changed a slot's content type field. */
    private record Damage(byte[] bytes, boolean contentTypeHit) {
    }

    private static Damage damage(byte[] pristine, SplittableRandom random) {
        byte[] b = pristine.clone();
        long slotSize = SLOT_HEADER_LENGTH + MIN_SLOT_CAPACITY;
        switch (random.nextInt(5)) {
            case 0 -> { // a few random bytes anywhere
                boolean contentTypeHit = false;
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    int at = random.nextInt(b.length);
                    b[at] = (byte) random.nextInt(256);
                    contentTypeHit |= isSlotContentType(at, 4);
                }
                return new Damage(b, contentTypeHit);
            }
            case 1 -> { // a header field
                putField(b, FIELDS[random.nextInt(FIELDS.length)], value(random));
                return new Damage(b, false);
            }
            case 2 -> { // a field of either slot's header
                long field = HEADER_LENGTH + random.nextInt(2) * slotSize + SLOT_FIELDS[random.nextInt(SLOT_FIELDS.length)];
                putField(b, field, value(random));
                return new Damage(b, isSlotContentType(field, 1));
            }
            case 3 -> { // payload bytes of either slot
                long payload = HEADER_LENGTH + random.nextInt(2) * slotSize + SLOT_HEADER_LENGTH;
                b[(int) payload + random.nextInt(64)] ^= (byte) (1 + random.nextInt(255));
                return new Damage(b, false);
            }
            default -> { // truncated
                return new Damage(Arrays.copyOf(b, random.nextInt(b.length)), false);
            }
        }
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

    private static long value(SplittableRandom random) {
        return random.nextBoolean() ? EDGE_VALUES[random.nextInt(EDGE_VALUES.length)] : random.nextLong();
    }

    /** Writes {@code value} little-endian, 4 or 8 bytes as the field is wide (u32 fields at offsets 4 mod 8). */
    private static void putField(byte[] b, long offset, long value) {
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        boolean narrow = offset == FORMAT_VERSION_OFFSET || offset == HEADER_LENGTH_OFFSET || offset == FLAGS_OFFSET
                || offset == NOTIFY_OFFSET || (offset - HEADER_LENGTH) % 64 == SLOT_LENGTH_OFFSET
                || (offset - HEADER_LENGTH) % 64 == SLOT_CONTENT_TYPE_OFFSET || (offset - HEADER_LENGTH) % 64 == SLOT_CRC_OFFSET;
        if (narrow) {
            le.putInt((int) offset, (int) value);
        } else {
            le.putLong((int) offset, value);
        }
    }

    /** 0: a whole version; 1: nothing committed; 2: refused with a Shm4jException. */
    private int readAndCheck(String where, Damage damage) {
        long start = System.nanoTime();
        try (var follower = SharedObject.follower("fuzz", byte[].class, options)) {
            Snapshot s = follower.snapshot();
            assertThat(System.nanoTime() - start).as("read time, " + where).isLessThan(READ_LIMIT_NANOS);
            if (s == null) {
                return 1;
            }
            if (s.version() == 1) {
                assertThat(s.bytes()).as(where).isEqualTo(FIRST);
            } else {
                assertThat(s.version()).as(where).isEqualTo(2);
                assertThat(s.bytes()).as(where).isEqualTo(SECOND);
            }
            if (!damage.contentTypeHit()) {
                assertThat(s.contentType()).as(where).isEqualTo(ContentType.JSON);
            }
            return 0;
        } catch (Shm4jException e) {
            assertThat(System.nanoTime() - start).as("time to refuse, " + where).isLessThan(READ_LIMIT_NANOS);
            assertThat(e.getMessage()).as(where).contains("fuzz");
            return 2;
        } catch (RuntimeException | IOException e) {
            throw new AssertionError(where + ": a damaged file must give a Shm4jException, not " + e, e);
        }
    }

    /** True if a master took the file over and published THIRD, which a follower then read; false if refused. */
    private boolean takeOverAndCheck(Path file, byte[] damaged, String where) throws IOException {
        long published;
        try (var master = SharedObject.master("fuzz", ObjectCodecs.bytes(ContentType.JSON), options)) {
            published = master.publish(THIRD);
        } catch (Shm4jException e) {
            assertThat(e.getMessage()).as(where).contains("fuzz");
            assertThat(Files.readAllBytes(file)).as("a refused file is left as it was, " + where).isEqualTo(damaged);
            return false;
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": a master on a damaged file must give a Shm4jException, not " + e, e);
        }
        assertThat(published).as("versions only go up, " + where).isPositive();
        try (var follower = SharedObject.follower("fuzz", byte[].class, options)) {
            Snapshot s = follower.snapshot();
            assertThat(s).as(where).isNotNull();
            assertThat(s.version()).as(where).isEqualTo(published);
            assertThat(s.bytes()).as(where).isEqualTo(THIRD);
        } catch (Shm4jException e) {
            fail(where + ": the master published version " + published + " but a follower cannot read it: " + e.getMessage(), e);
        }
        return true;
    }
}
