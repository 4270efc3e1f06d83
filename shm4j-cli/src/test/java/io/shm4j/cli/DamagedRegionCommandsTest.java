package io.shm4j.cli;

import io.shm4j.testing.RegionDamage;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commands an operator runs on a damaged region ({@link RegionDamage}: random bytes, header
 * and slot fields, payload bytes, truncation) answer as docs/CLI.md promises: a documented exit
 * code, and on failure exactly one {@code shm4j: ...} line on stderr naming the region; never
 * exit 1 (an internal error, i.e. a bug), never a stack trace without {@code --verbose}. {@code get}
 * prints one of the two published values or fails; {@code put} either publishes (and {@code get}
 * then prints the new value) or refuses and leaves the file as it was. Seeded and repeatable.
 */
class DamagedRegionCommandsTest {
    private static final long SEED = 0xC11_F022L;
    private static final int ITERATIONS = 300;
    private static final String FIRST = "{\"version\":1}";
    private static final String SECOND = "{\"version\":2,\"color\":\"green\"}";
    private static final String THIRD = "{\"version\":3}";
    private static final Set<Integer> READ_CODES = Set.of(ExitCodes.OK, ExitCodes.NOT_FOUND, ExitCodes.CORRUPT_REGION);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private CliRun run(String... args) {
        return CliRun.in(dir.path(), args);
    }

    @Test
    void commandsOnDamagedRegionsExitWithADocumentedCodeAndOneLine() throws IOException {
        assertThat(run("put", "fuzz", FIRST).code()).isZero();
        assertThat(run("put", "fuzz", SECOND).code()).isZero();
        Files.deleteIfExists(dir.path().resolve("fuzz~sleepers"));
        Files.deleteIfExists(dir.path().resolve("fuzz~followers"));
        Path file = dir.path().resolve("fuzz");
        byte[] pristine = Files.readAllBytes(file);
        SplittableRandom random = new SplittableRandom(SEED);
        int readsRefused = 0;
        int putsRefused = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            String where = "seed " + Long.toHexString(SEED) + ", iteration " + i;
            byte[] damaged = RegionDamage.of(pristine, random).bytes();
            Files.write(file, damaged);

            CliRun get = checked(where + ", get", READ_CODES, "get", "fuzz");
            if (get.code() == ExitCodes.OK) {
                assertThat(get.out().strip()).as(where).isIn(FIRST, SECOND);
            } else if (get.code() == ExitCodes.CORRUPT_REGION) {
                readsRefused++;
            }
            checked(where + ", get --meta", READ_CODES, "get", "fuzz", "--meta");
            checked(where + ", inspect", READ_CODES, "inspect", "fuzz");
            CliRun ls = checked(where + ", ls", Set.of(ExitCodes.OK), "ls");
            assertThat(ls.out()).as(where).contains("fuzz");

            CliRun put = checked(where + ", put", Set.of(ExitCodes.OK, ExitCodes.CORRUPT_REGION), "put", "fuzz", THIRD);
            if (put.code() == ExitCodes.OK) {
                assertThat(run("get", "fuzz").out().strip()).as(where + ", get after put").isEqualTo(THIRD);
            } else {
                assertThat(Files.readAllBytes(file)).as(where + ": a refused put leaves the file as it was").isEqualTo(damaged);
                putsRefused++;
            }
        }
        // The damage reached the refusals; else this tests less than it claims.
        assertThat(readsRefused).as("gets refused as corrupt").isPositive();
        assertThat(putsRefused).as("puts refused as corrupt").isPositive();
    }

    /** Runs the command; asserts an allowed code and, on failure, one line naming the region. */
    private CliRun checked(String where, Set<Integer> allowed, String... args) {
        CliRun r = run(args);
        assertThat(r.code()).as(where + ": exit code (stderr: " + r.err() + ")").isIn(allowed);
        if (r.code() == ExitCodes.OK) {
            assertThat(r.err()).as(where).isEmpty();
        } else {
            assertThat(r.errLines()).as(where).singleElement().asString().startsWith("shm4j: ").contains("fuzz");
        }
        return r;
    }
}
