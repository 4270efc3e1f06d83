package io.shm4j;

import io.shm4j.testing.RegionDamage;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Fuzzes a region file at rest: a valid file with two committed versions (one per slot) is
 * damaged at random ({@link RegionDamage}), then a fresh follower reads it and a fresh master
 * takes it over. Whatever the damage, a read returns one of the two versions exactly as
 * published, nothing (when {@code committed} became 0), or a {@link Shm4jException} naming the
 * region, within a second; never another exception, never other bytes, never a hang. The one
 * field a read may return changed is the slot's content type, when the damage hit it: the CRC-32
 * covers the payload only (FORMAT.md 5.2), and another valid type is not detectable. A master
 * either refuses the file with a {@link Shm4jException} and leaves it as it was, or publishes a
 * version that a follower then reads whole. Seeded: a failure names the seed and the iteration,
 * and re-running is exact. A longer run: {@code ./mvnw -pl shm4j-core test
 * -Dtest=RegionFileFuzzTest -Dshm4j.fuzz.seed=N -Dshm4j.fuzz.iterations=M}.
 */
class RegionFileFuzzTest {
    private static final long SEED = Long.getLong("shm4j.fuzz.seed", 0x5EED_5A4D_1EL);
    private static final int ITERATIONS = Integer.getInteger("shm4j.fuzz.iterations", 5000);
    private static final byte[] FIRST = "{\"version\":1,\"color\":\"blue\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECOND = "{\"version\":2,\"color\":\"green\",\"threads\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] THIRD = "{\"version\":3}".getBytes(StandardCharsets.UTF_8);

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
            RegionDamage damage = RegionDamage.of(pristine, random);
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
        Files.deleteIfExists(dir.path().resolve("fuzz" + "~followers"));
        return Files.readAllBytes(dir.path().resolve("fuzz"));
    }

    /** 0: a whole version; 1: nothing committed; 2: refused with a Shm4jException. */
    private int readAndCheck(String where, RegionDamage damage) {
        try (var follower = SharedObject.follower("fuzz", byte[].class, options)) {
            Snapshot s = follower.snapshot();
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
            // Refused at once: the file does not change, so running out of retries would mean a
            // damaged slot taken for a writer's (a duration check here would fail on a busy machine).
            assertThat(e).as(where).isNotInstanceOf(InconsistentSnapshotException.class);
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
