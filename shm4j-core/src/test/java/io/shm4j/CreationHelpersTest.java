package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Creation helpers {@code <name>~new.<pid>.<n>} (FORMAT.md 1, 5.5): one naming scheme for regions,
 * raw regions and sleepers files; a helper left by a dead creator (an orphan, or a second name of
 * the region left between link and unlink) is removed by the next creator of that name and by
 * the next master of the tag; a live process's helper is left alone.
 */
class CreationHelpersTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void creationLeavesNoHelperBehind() throws Exception {
        try (SharedObjectMaster<Object> m = SharedObject.master("obj", dir.options())) {
            m.publish(1);
        }
        MappedRegion.create("raw", 64, dir.options()).close();
        try (Stream<Path> files = Files.list(dir.path())) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("obj", "obj~followers", "obj~sleepers", "raw");
        }
    }

    @Test
    void helpersOfDeadCreatorsAreRemovedByTheNextCreatorAndMaster() throws Exception {
        long dead = deadPid();
        long live = ProcessHandle.current().parent().orElseThrow().pid();
        try (SharedObjectMaster<Object> m = SharedObject.master("obj", dir.options())) {
            m.publish(1);
        }
        Path region = dir.path().resolve("obj");
        Files.createLink(dir.path().resolve("obj~new." + dead + ".1"), region); // killed between link and unlink
        Files.writeString(dir.path().resolve("obj~new." + dead + ".2"), "orphan"); // killed before its link
        Files.writeString(dir.path().resolve("obj~new." + live + ".1"), "a live creator's");
        Files.writeString(dir.path().resolve("raw~new." + dead + ".7"), "orphan");
        Files.writeString(dir.path().resolve("obj~sleepers~new." + dead + ".3"), "orphan");

        try (SharedObjectMaster<Object> m = SharedObject.master("obj", dir.options())) { // takes the tag
            assertThat(m.current()).isEqualTo(1);
        }
        MappedRegion.create("raw", 64, dir.options()).close(); // creates raw
        Files.delete(dir.path().resolve("obj~sleepers"));
        SharedObject.master("obj", dir.options()).close(); // creates obj~sleepers again
        try (Stream<Path> files = Files.list(dir.path())) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("obj", "obj~followers", "obj~new." + live + ".1", "obj~sleepers", "raw");
        }
    }

    /** The pid of a process that has exited (and, within this test, not been reused). */
    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
