package io.shm4j;

import org.junit.jupiter.api.Test;

import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dependencies point one way (docs/ARCHITECTURE.md): the API's classes call down into
 * {@code io.shm4j.internal}, which uses of {@code io.shm4j} only the values and exceptions the API
 * hands out or takes, never an entry class ({@code SharedObject*}, {@code MappedRegion}, ...).
 * Checked on the compiled classes, so a fully qualified name or a signature cannot slip past: every
 * class named in an internal class's constant pool (class entries and descriptors alike).
 */
class PackageDependenciesTest {
    /** What internal may use of the API: values, options, and the exceptions it throws through the API. */
    private static final Set<String> VALUES = Set.of("ContentType", "Snapshot", "ShmOptions", "ShmOptions$FileMode",
            "WaitStrategy", "IdleStrategy", "RegionInfo", "RegionInfo$Kind", "AccessMode", "Whence");
    /** A class of the API package itself (not of a subpackage), in internal form. */
    private static final Pattern API_CLASS = Pattern.compile("io/shm4j/([A-Z][\\w$]*)");

    @Test
    void internalUsesOnlyTheApisValuesAndExceptions() throws Exception {
        TreeMap<String, Set<String>> offending = new TreeMap<>();
        try (Stream<Path> classes = Files.walk(classesRoot().resolve("io/shm4j/internal"))) {
            for (Path file : (Iterable<Path>) classes.filter(p -> p.toString().endsWith(".class"))::iterator) {
                for (String used : apiClassesUsedBy(file)) {
                    if (!VALUES.contains(used) && !used.endsWith("Exception")) {
                        offending.computeIfAbsent(file.getFileName().toString(), k -> new TreeSet<>()).add(used);
                    }
                }
            }
        }
        assertThat(offending).as("internal classes that use an API entry class").isEmpty();
    }

    @Test
    void theCheckSeesTheApiClassesInternalUses() throws Exception {
        // Guards the check itself: a walk that found nothing would pass the test above vacuously.
        assertThat(apiClassesUsedBy(classesRoot().resolve("io/shm4j/internal/ObjectRegionWriter.class")))
                .contains("ContentType", "ShmOptions");
    }

    private static Set<String> apiClassesUsedBy(Path classFile) throws Exception {
        Set<String> used = new TreeSet<>();
        for (PoolEntry e : ClassFile.of().parse(Files.readAllBytes(classFile)).constantPool()) {
            if (e instanceof Utf8Entry utf8) { // class entries and descriptors both name classes in Utf8 entries
                Matcher m = API_CLASS.matcher(utf8.stringValue());
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        return used;
    }

    private static Path classesRoot() throws URISyntaxException {
        return Path.of(SharedObject.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
