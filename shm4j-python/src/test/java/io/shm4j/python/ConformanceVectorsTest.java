package io.shm4j.python;

import io.shm4j.testing.ChildJvm;
import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conformance vectors (src/test/resources/conformance/vectors.json): region files written by
 * Java must read to the byte in Python and the reverse. Checked-in files: {@code conformance/java}
 * (written by this test's Java writer) and {@code conformance/python} (by
 * {@code python3 -m tests.conformance write}). Both languages check both sets; here, fresh
 * files of each language are checked by the other too.
 *
 * <p>Regenerate the Java files with
 * {@code ./mvnw -B -pl shm4j-python -am verify -Dtest=ConformanceVectorsTest -Dsurefire.failIfNoSpecifiedTests=false -Dshm4j.conformance.regenerate=true};
 * the Python files with {@code (cd python && python3 -m tests.conformance write ../shm4j-python/src/test/resources/conformance/python)}.
 */
class ConformanceVectorsTest {
    private static final Path CONFORMANCE = PythonPeer.directory().resolveSibling("shm4j-python")
            .resolve("src/test/resources/conformance");
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** One publish of a vector: the content type and the exact payload bytes. */
    record Publish(ContentType type, byte[] payload) {
        static Publish of(JsonNode entry) {
            byte[] payload;
            if (entry.has("hex")) {
                payload = HexFormat.of().parseHex(entry.get("hex").asString());
            } else if (entry.has("repeat")) {
                payload = entry.get("repeat").asString().repeat(entry.get("count").asInt()).getBytes(StandardCharsets.UTF_8);
            } else {
                payload = entry.get("text").asString().getBytes(StandardCharsets.UTF_8);
            }
            return new Publish(ContentType.valueOf(entry.get("type").asString()), payload);
        }
    }

    /** @param follower the name of a follower to register after the publishes, or null */
    record Vector(String tag, List<Publish> publishes, String follower) {
    }

    static List<Vector> vectors() throws IOException {
        List<Vector> vectors = new ArrayList<>();
        for (JsonNode v : MAPPER.readTree(CONFORMANCE.resolve("vectors.json").toFile()).get("vectors")) {
            List<Publish> publishes = new ArrayList<>();
            v.get("publish").forEach(e -> publishes.add(Publish.of(e)));
            vectors.add(new Vector(v.get("tag").asString(), publishes, v.has("follower") ? v.get("follower").asString() : null));
        }
        return vectors;
    }

    /** Java's writer: each publish by a new master of the tag, the payload bytes as they are. */
    static void write(Path dir) throws IOException {
        ShmOptions options = ShmOptions.defaults().withDirectory(dir);
        for (Vector v : vectors()) {
            if (v.publishes().isEmpty()) {
                SharedObject.master(v.tag(), options).close();
            }
            for (Publish p : v.publishes()) {
                try (SharedObjectMaster<byte[]> m = SharedObject.master(v.tag(), ObjectCodecs.bytes(p.type()), options)) {
                    m.publish(p.payload());
                }
            }
            if (v.follower() != null) {
                registerReader(options, v.tag(), v.follower());
            }
        }
    }

    /**
     * A follower named {@code name} reads {@code tag}'s last version; the registry file is kept as
     * it was while the follower was registered (closing it frees the entry).
     */
    private static void registerReader(ShmOptions options, String tag, String name) throws IOException {
        Path registry = options.directory().resolve(tag + "~followers");
        byte[] registered;
        try (SharedObjectFollower<byte[]> f = SharedObject.follower(tag, ObjectCodecs.bytes(), options.withFollowerName(name))) {
            f.get();
            registered = Files.readAllBytes(registry);
        }
        Files.write(registry, registered);
    }

    /** The registry of a vector with a follower: the header, one entry, everything else zero. */
    private static void checkRegistry(Path dir, Vector vector, long committed, Expect expect) throws IOException {
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(vector.tag() + "~followers"))).order(ByteOrder.LITTLE_ENDIAN);
        byte[] bytes = raw.array();
        expect.that("registry size", 128 + 256 * 128, bytes.length);
        expect.that("registry header", List.of("SHM4JFLW", 1, 128, 256),
                List.of(new String(bytes, 0, 8, StandardCharsets.US_ASCII), raw.getInt(8), raw.getInt(12), raw.getInt(16)));
        expect.that("registry reserved bytes and asleep bitmap", new byte[108], Arrays.copyOfRange(bytes, 20, 128));
        int e = 128;
        expect.that("entry 0 pid > 0", true, raw.getLong(e) > 0);
        expect.that("entry 0 start > 0", true, raw.getLong(e + 8) > 0);
        expect.that("entry 0 registered > 0", true, raw.getLong(e + 16) > 0);
        expect.that("entry 0 seenVersion", committed, raw.getLong(e + 24));
        expect.that("entry 0 seenAt > 0", true, raw.getLong(e + 32) > 0);
        expect.that("entry 0 state", 0, raw.getInt(e + 40));
        expect.that("entry 0 language (1 Java, 2 Python)", true, raw.getInt(e + 44) == 1 || raw.getInt(e + 44) == 2);
        expect.that("entry 0 reserved bytes", new byte[16], Arrays.copyOfRange(bytes, e + 48, e + 64));
        byte[] name = Arrays.copyOf(vector.follower().getBytes(StandardCharsets.UTF_8), 64);
        expect.that("entry 0 name", name, Arrays.copyOfRange(bytes, e + 64, e + 128));
        expect.that("entries 1..255", new byte[bytes.length - e - 128], Arrays.copyOfRange(bytes, e + 128, bytes.length));
    }

    @Test
    void javaFilesReadToTheByteInJavaAndPython() throws Exception {
        try (TestDirectory dir = new TestDirectory()) {
            write(dir.path());
            assertThat(problems(dir.path())).isEmpty();
            assertPythonFindsNoProblem(dir.path());
            if (Boolean.getBoolean("shm4j.conformance.regenerate")) {
                Path target = Files.createDirectories(CONFORMANCE.resolve("java"));
                for (Vector v : vectors()) {
                    Files.copy(dir.path().resolve(v.tag()), target.resolve(v.tag()), StandardCopyOption.REPLACE_EXISTING);
                    if (v.follower() != null) {
                        Files.copy(dir.path().resolve(v.tag() + "~followers"), target.resolve(v.tag() + "~followers"),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        assertThat(problems(CONFORMANCE.resolve("java"))).isEmpty();
        assertPythonFindsNoProblem(CONFORMANCE.resolve("java"));
    }

    @Test
    void pythonFilesReadToTheByteInJava() throws Exception {
        assertThat(problems(CONFORMANCE.resolve("python"))).isEmpty();
        try (TestDirectory dir = new TestDirectory();
             ChildJvm python = PythonPeer.module("tests.conformance", "write", dir.path())) {
            assertThat(python.waitFor(Duration.ofSeconds(60))).isZero();
            assertThat(problems(dir.path())).isEmpty();
        }
    }

    private static void assertPythonFindsNoProblem(Path dir) throws Exception {
        try (ChildJvm python = PythonPeer.module("tests.conformance", "check", dir)) {
            int exit = python.waitFor(Duration.ofSeconds(60));
            assertThat(python.output()).as("python check of %s", dir).endsWith("conformance: " + vectors().size() + " vectors, 0 problems");
            assertThat(exit).isZero();
        }
    }

    /** What is wrong with the vectors' files in {@code dir}, as python/tests/conformance.py checks them. */
    static List<String> problems(Path dir) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Vector v : vectors()) {
            check(dir, v, problems);
        }
        return problems;
    }

    private static void check(Path dir, Vector vector, List<String> problems) throws IOException {
        String tag = vector.tag();
        List<Publish> published = vector.publishes();
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(tag))).order(ByteOrder.LITTLE_ENDIAN);
        Expect expect = (what, expected, actual) -> {
            if (!java.util.Objects.deepEquals(expected, actual)) {
                problems.add(tag + ": " + what + " is " + show(actual) + ", expected " + show(expected));
            }
        };
        // Which versions the final file holds: growth starts a new file with the version that grew it.
        long cap = MIN_SLOT_CAPACITY;
        int firstInFile = 1;
        for (int v = 1; v <= published.size(); v++) {
            if (published.get(v - 1).payload().length > cap) {
                cap = capacityFor(published.get(v - 1).payload().length, cap);
                firstInFile = v;
            }
        }
        int committed = published.size();
        expect.that("magic", MAGIC, Arrays.copyOfRange(raw.array(), 0, 8));
        expect.that("formatVersion", FORMAT_VERSION, raw.getInt(FORMAT_VERSION_OFFSET));
        expect.that("headerLength", HEADER_LENGTH, raw.getInt(HEADER_LENGTH_OFFSET));
        expect.that("slotCapacity", cap, raw.getLong(SLOT_CAPACITY_OFFSET));
        expect.that("fileLength", fileLength(cap), raw.getLong(FILE_LENGTH_OFFSET));
        expect.that("file size", fileLength(cap), (long) raw.capacity());
        expect.that("flags", 0, raw.getInt(FLAGS_OFFSET));
        expect.that("generation", (long) Math.max(1, committed), raw.getLong(GENERATION_OFFSET));
        expect.that("committed", (long) committed, raw.getLong(COMMITTED_OFFSET));
        expect.that("masterPid > 0", true, raw.getLong(MASTER_PID_OFFSET) > 0);
        expect.that("created > 0", true, raw.getLong(CREATED_OFFSET) > 0);
        expect.that("reserved header bytes", new byte[48], Arrays.copyOfRange(raw.array(), 80, 128));
        for (int index = 0; index < 2; index++) {
            int base = (int) slotOffset(cap, index);
            String what = "slot " + index;
            List<Integer> held = new ArrayList<>();
            for (int v = firstInFile; v <= committed; v++) {
                if (v % 2 == index) {
                    held.add(v);
                }
            }
            expect.that(what + " reserved bytes", new byte[28], Arrays.copyOfRange(raw.array(), base + 36, base + 64));
            long seq = raw.getLong(base + SLOT_SEQ_OFFSET);
            long version = raw.getLong(base + SLOT_VERSION_OFFSET);
            int length = raw.getInt(base + SLOT_LENGTH_OFFSET);
            int type = raw.getInt(base + SLOT_CONTENT_TYPE_OFFSET);
            long time = raw.getLong(base + SLOT_PUBLISH_TIME_OFFSET);
            int crc = raw.getInt(base + SLOT_CRC_OFFSET);
            if (held.isEmpty()) {
                expect.that(what + " (never written)", List.of(0L, 0L, 0, 0, 0L, 0), List.of(seq, version, length, type, time, crc));
                continue;
            }
            int v = held.getLast();
            Publish p = published.get(v - 1);
            expect.that(what + " seq", 2L * held.size(), seq);
            expect.that(what + " version", (long) v, version);
            expect.that(what + " length", p.payload().length, length);
            expect.that(what + " contentType", p.type().id(), type);
            expect.that(what + " crc32", crc32(p.payload()), crc);
            expect.that(what + " publishTime > 0", true, time > 0);
            int start = base + SLOT_HEADER_LENGTH;
            expect.that(what + " payload", p.payload(), Arrays.copyOfRange(raw.array(), start, start + Math.max(0, Math.min(length, (int) cap))));
        }
        if (vector.follower() != null) {
            checkRegistry(dir, vector, committed, expect);
        }
        // A follower registers and may reclaim entries: it reads a copy, never the checked files.
        try (TestDirectory copy = new TestDirectory()) {
            Files.copy(dir.resolve(tag), copy.path().resolve(tag));
            readCopy(copy.path(), tag, committed, published, expect);
        }
    }

    private static void readCopy(Path dir, String tag, int committed, List<Publish> published, Expect expect) throws IOException {
        try (SharedObjectFollower<byte[]> f = SharedObject.follower(tag, ObjectCodecs.bytes(), ShmOptions.defaults().withDirectory(dir))) {
            Snapshot s = f.snapshot();
            if (committed == 0) {
                expect.that("snapshot", null, s);
            } else {
                Publish last = published.getLast();
                expect.that("snapshot", List.of((long) committed, last.type(), HexFormat.of().formatHex(last.payload())),
                        List.of(s.version(), s.contentType(), HexFormat.of().formatHex(s.bytes())));
            }
        }
    }

    @FunctionalInterface
    private interface Expect {
        void that(String what, Object expected, Object actual);
    }

    private static String show(Object o) {
        return o instanceof byte[] b ? (b.length > 40 ? b.length + " bytes" : HexFormat.of().formatHex(b)) : String.valueOf(o);
    }

    private static int crc32(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b);
        return (int) crc.getValue();
    }
}
