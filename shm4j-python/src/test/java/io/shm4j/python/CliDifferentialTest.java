package io.shm4j.python;

import io.shm4j.testing.ChildJvm;
import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.testing.ObjectPeerMain;
import io.shm4j.testing.RegionDamage;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.Snapshot;
import io.shm4j.SpecialFilesTest;
import io.shm4j.testing.TestDirectory;
import io.shm4j.WaitStrategy;
import io.shm4j.cli.CliRun;
import io.shm4j.cli.ExitCodes;
import io.shm4j.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.shm4j.internal.ObjectRegionDescriptor.MASTER_PID_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.MASTER_START_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential test of the two command lines: {@code python3 -m shm4j} (python/shm4j/cli.py)
 * promises the Java CLI's object commands "with the same output and the same exit codes". For
 * {@code get TAG}, {@code get TAG --meta} and {@code inspect TAG} on seeded {@link RegionDamage}s
 * of a region holding two versions (random bytes, header and slot fields set to edge or random
 * values, payload bytes, truncation), and on whole regions (JSON, text, raw bytes, nothing
 * published, payloads that are not UTF-8 or at and over the JSON limits of docs/CLI.md, a master
 * pid over 32 bits, a master start 999 and 1000 ms off), both must exit with the same code and
 * print the same stdout and the same stderr, byte for byte, and neither may create a file. The
 * one exception: {@code ageMillis} in {@code get --meta} depends on the clock, so only its
 * presence is compared. On whole regions {@code get} must also give the expected exit code.
 * {@code put} and {@code watch} are compared too: see {@link #bothCommandLinesPutTheSame} and
 * {@link #bothCommandLinesWatchTheSame}.
 *
 * <p>The Java CLI runs in this JVM ({@link CliRun}); the Python CLI runs in one Python process per
 * {@value #PER_PROCESS} damaged files, through {@code shm4j.cli.main(argv)}
 * ({@code python/tests/cli_diff.py}). Both read the same files in the same directory. A failure
 * names the seed, the damage and both sides' results; re-running with the same seed is exact. A
 * longer run: {@code ./mvnw -o test -pl shm4j-python -am -Dtest=CliDifferentialTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dshm4j.clidiff.seed=N -Dshm4j.clidiff.count=M}
 * (M damaged files; default 300; about 1 s per 120).
 */
class CliDifferentialTest {
    private static final long SEED = Long.getLong("shm4j.clidiff.seed", 0xC11_D1FFL);
    private static final int COUNT = Integer.getInteger("shm4j.clidiff.count", 300);
    private static final int PER_PROCESS = 500;
    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(120);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The only clock-dependent output: get --meta's age of the version. */
    private static final Pattern AGE_MILLIS = Pattern.compile("\"ageMillis\" ?: ?-?\\d+");

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /** A command, where it ran (for messages) and its standard input. */
    record Command(String where, List<String> args, byte[] stdin) {
        Command(String where, List<String> args) {
            this(where, args, new byte[0]);
        }
    }

    @Test
    void bothCommandLinesAnswerTheSameOnDamagedRegions() throws Exception {
        byte[] pristine = pristine();
        SplittableRandom random = new SplittableRandom(SEED);
        List<String> problems = new ArrayList<>();
        Map<String, Integer> codes = new TreeMap<>();
        for (int from = 0; from < COUNT; from += PER_PROCESS) {
            List<Command> commands = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            for (int i = from; i < Math.min(COUNT, from + PER_PROCESS); i++) {
                String tag = "damaged-" + i;
                Path file = dir.path().resolve(tag);
                Files.write(file, RegionDamage.of(pristine, random).bytes());
                files.add(file);
                String where = "seed " + Long.toHexString(SEED) + ", damage " + i;
                commands.add(new Command(where, List.of("get", tag)));
                commands.add(new Command(where, List.of("get", tag, "--meta")));
                commands.add(new Command(where, List.of("inspect", tag)));
            }
            List<CliRun> java = compare(commands, problems);
            for (int i = 0; i < commands.size(); i++) {
                List<String> args = commands.get(i).args();
                codes.merge(args.getFirst() + (args.size() > 2 ? " " + args.get(2) : "") + "=" + java.get(i).code(), 1, Integer::sum);
            }
            for (Path file : files) {
                Files.delete(file);
            }
        }
        System.out.println("CliDifferentialTest: seed " + Long.toHexString(SEED) + ", " + COUNT
                + " damaged regions, exit codes (command=code: count) " + codes);
        assertThat(problems).as("seed %x: %d commands where the Java and Python CLIs differ", SEED, problems.size())
                .isEmpty();
        // The damage reached each outcome; else this compares less than it claims.
        assertThat(codes).containsKeys("get=0", "get=6", "get --meta=0", "get --meta=6", "inspect=0", "inspect=6");
    }

    /** A region holding two versions, as bytes, for {@link RegionDamage}. */
    private byte[] pristine() throws IOException {
        assertThat(CliRun.in(dir.path(), "put", "pristine", "{\"version\":1}").code()).isZero();
        assertThat(CliRun.in(dir.path(), "put", "pristine", "{\"version\":2,\"color\":\"green\"}").code()).isZero();
        byte[] pristine = Files.readAllBytes(dir.path().resolve("pristine"));
        Files.delete(dir.path().resolve("pristine"));
        Files.delete(dir.path().resolve("pristine~sleepers"));
        Files.delete(dir.path().resolve("pristine~followers"));
        return pristine;
    }

    /**
     * A JSON payload, the exit code {@code get} must give for it published as is, and the one
     * {@code put} must give for it as input (the same, but for a number beyond a double's range:
     * get prints it as "Infinity", put refuses it, docs/CLI.md).
     */
    record Payload(String tag, String json, int getCode, int putCode) {
        Payload(String tag, String json, int getCode) {
            this(tag, json, getCode, getCode);
        }
    }

    private static final List<Payload> PAYLOADS = List.of(
            new Payload("json-not-json", "{\"a\":", ExitCodes.INVALID_INPUT),
            new Payload("json-empty", "", ExitCodes.INVALID_INPUT),
            new Payload("json-nan", "[NaN]", ExitCodes.INVALID_INPUT),
            new Payload("json-infinity", "[-Infinity]", ExitCodes.INVALID_INPUT),
            new Payload("json-bom", "\uFEFF{\"a\":1}", ExitCodes.INVALID_INPUT),
            new Payload("json-trailing", "{} x", ExitCodes.INVALID_INPUT),
            new Payload("json-control-space", "\u000b1", ExitCodes.INVALID_INPUT),
            new Payload("json-infinite", "[1e400,-1e400]", ExitCodes.OK, ExitCodes.INVALID_INPUT),
            new Payload("json-duplicate-key", "{\"a\":1,\"b\":2,\"a\":3}", ExitCodes.OK),
            new Payload("json-space", " \n\t{\"a\" : [ 1 , 2 ] }\r\n", ExitCodes.OK),
            new Payload("json-numbers", "[1E2,1.0e+2,-0,-0.0,0.1e-400,3.141592653589793238462643383279,1e22,1e21,123e-20,"
                    + "9007199254740993,1.7976931348623157e308,2.2250738585072014e-308,1e-310,4.9e-324,1e-323,5e-323,"
                    + "9.5e-323]", ExitCodes.OK),
            new Payload("json-escapes", "\"\\u00e9\\ud83d\\ude00\\t\\u0000\\b\\f\\n\\r\\u001f\\u007f\\u2028\\/"
                    + "\u00e9\ud83d\ude00\u2028\"", ExitCodes.OK),
            // Unpaired surrogate escapes: UTF-8 cannot hold them (docs/CLI.md).
            new Payload("json-high-surrogate", "[\"\\ud800\"]", ExitCodes.INVALID_INPUT),
            new Payload("json-low-surrogate-name", "{\"a\\udc00\":1}", ExitCodes.INVALID_INPUT),
            // Jackson's limits (docs/CLI.md), at and over each.
            new Payload("json-depth-500", "[".repeat(500) + "]".repeat(500), ExitCodes.OK),
            new Payload("json-depth-501", "{\"a\":".repeat(500) + "[]" + "}".repeat(500), ExitCodes.INVALID_INPUT),
            new Payload("json-depth-1100", "[".repeat(1100) + "]".repeat(1100), ExitCodes.INVALID_INPUT),
            new Payload("json-integer-1000", "-" + "1".repeat(1000), ExitCodes.OK),
            new Payload("json-integer-1001", "1".repeat(1001), ExitCodes.INVALID_INPUT),
            new Payload("json-integer-5000", "1".repeat(5000), ExitCodes.INVALID_INPUT),
            new Payload("json-float-1000", "-0." + "1".repeat(999), ExitCodes.OK),
            new Payload("json-float-1001", "1".repeat(999) + ".5e-1", ExitCodes.INVALID_INPUT),
            new Payload("json-name-50000", "{\"" + "\uD83D\uDE00".repeat(25_000) + "\":1}", ExitCodes.OK),
            new Payload("json-name-50001", "{\"" + "\uD83D\uDE00".repeat(25_000) + "a\":1}", ExitCodes.INVALID_INPUT));

    /** A tag that is a FIFO, a socket, a directory or a link: the same exit 7 and the same line. */
    @Test
    void bothCommandLinesRefuseWhatIsNotARegularFileAlike(@TempDir Path outside) throws Exception {
        List<Command> commands = new ArrayList<>();
        for (SpecialFilesTest.Kind kind : SpecialFilesTest.Kind.values()) {
            String tag = "odd-" + kind.ordinal();
            SpecialFilesTest.make(kind, dir.path(), tag, outside);
            for (List<String> args : List.of(List.of("get", tag), List.of("get", tag, "--meta"), List.of("inspect", tag))) {
                commands.add(new Command(kind.name(), args));
            }
        }
        List<String> problems = new ArrayList<>();
        for (CliRun java : compare(commands, problems)) {
            assertThat(java.code()).as(java.err()).isEqualTo(7);
        }
        assertThat(problems).as("commands where the Java and Python CLIs differ").isEmpty();
    }

    @Test
    void bothCommandLinesAnswerTheSameOnWholeRegions() throws Exception {
        Path d = dir.path();
        Map<String, Integer> getCodes = new TreeMap<>(); // tag -> the exit code get must give
        assertThat(CliRun.in(d, "put", "json", "{\"s\":\"é ✓ \\u0001 \\\"q\\\" \\\\ /\",\"n\":[0,-1,1.5,1e7,1e-4,"
                + "123456789012345678901234567890,-0.0,0.1],\"t\":true,\"f\":false,\"z\":null,\"o\":{\"e\":{}},\"a\":[[]]}")
                .code()).isZero();
        getCodes.put("json", ExitCodes.OK);
        publish("text", ContentType.TEXT, "line one\nzwei é ✓\n".getBytes(StandardCharsets.UTF_8), ExitCodes.OK, getCodes);
        publish("raw", ContentType.RAW, new byte[] {0, 1, (byte) 0xff, 'a'}, ExitCodes.OK, getCodes);
        publish("empty", ContentType.RAW, null, ExitCodes.NOT_FOUND, getCodes);
        // Whole slots whose payload is not UTF-8, as FORMAT.md says TEXT and JSON are.
        publish("text-bad-utf8", ContentType.TEXT, new byte[] {'a', (byte) 0xff, 'b'}, ExitCodes.INVALID_INPUT, getCodes);
        publish("json-bad-utf8", ContentType.JSON, new byte[] {'"', (byte) 0xc3, '"'}, ExitCodes.INVALID_INPUT, getCodes);
        for (Payload p : PAYLOADS) {
            publish(p.tag(), ContentType.JSON, p.json().getBytes(StandardCharsets.UTF_8), p.getCode(), getCodes);
        }
        // The master's identity edited: "alive" needs a pid that fits pid_t and this JVM's start
        // less than a second away.
        byte[] json = Files.readAllBytes(d.resolve("json"));
        long pid = ProcessHandle.current().pid();
        long start = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        Files.write(d.resolve("pid-over-32-bits"), withLong(json, MASTER_PID_OFFSET, (1L << 32) + pid));
        getCodes.put("pid-over-32-bits", ExitCodes.OK);
        for (long delta : new long[] {-1000, -999, 999, 1000}) {
            String tag = "start" + (delta < 0 ? "-minus-" : "-plus-") + Math.abs(delta);
            Files.write(d.resolve(tag), withLong(json, MASTER_START_OFFSET, start + delta));
            getCodes.put(tag, ExitCodes.OK);
        }
        getCodes.put("missing", ExitCodes.NOT_FOUND);

        List<Command> commands = new ArrayList<>();
        for (String tag : getCodes.keySet()) {
            commands.add(new Command("whole region " + tag, List.of("get", tag)));
            commands.add(new Command("whole region " + tag, List.of("get", tag, "--meta")));
            commands.add(new Command("whole region " + tag, List.of("inspect", tag)));
        }
        commands.add(new Command("whole region json", List.of("get", "json", "--pretty")));
        commands.add(new Command("whole region json", List.of("get", "json", "--pointer", "/n/2")));
        commands.add(new Command("whole region json", List.of("get", "json", "--meta", "--pretty")));
        List<String> problems = new ArrayList<>();
        List<CliRun> java = compare(commands, problems);
        assertThat(problems).isEmpty();
        Map<String, Integer> gotCodes = new TreeMap<>();
        for (int i = 0; i < commands.size(); i++) {
            if (commands.get(i).args().size() == 2 && commands.get(i).args().getFirst().equals("get")) {
                gotCodes.put(commands.get(i).args().get(1), java.get(i).code());
            }
        }
        assertThat(gotCodes).as("get's exit code by region").isEqualTo(getCodes);
        assertThat(CliRun.in(d, "inspect", "start-plus-999").out()).contains(", alive\n");
        assertThat(CliRun.in(d, "inspect", "start-plus-1000").out()).contains(", not running\n");
        assertThat(CliRun.in(d, "inspect", "pid-over-32-bits").out()).contains(", not running\n");
    }

    /** A copy of {@code file} with the 8-byte field at {@code offset} set to {@code value}. */
    private static byte[] withLong(byte[] file, int offset, long value) {
        byte[] b = file.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
        return b;
    }

    /**
     * {@code put} from an argument, a file and standard input, with valid values and bad input
     * ({@link #PAYLOADS}, a missing file, bad tags, a value over the 64 MiB limit, a region whose
     * master is alive in another process, damaged regions), each followed by {@code get}. Python's
     * commands run first, then the region files are put back as they were and Java's run, so that
     * versions line up; each side's regions must then hold the same version, content type and
     * payload bytes (a refused put must leave the file as it was).
     */
    @Test
    void bothCommandLinesPutTheSame(@TempDir Path inputs) throws Exception {
        Path d = dir.path();
        Map<String, Integer> putCodes = new TreeMap<>(); // tag -> the exit code put must give
        List<Command> commands = new ArrayList<>();
        java.util.function.BiConsumer<Command, Integer> put = (c, code) -> {
            commands.add(c);
            commands.add(new Command(c.where(), List.of("get", c.args().get(1))));
            putCodes.put(c.args().get(1), code);
        };
        for (Payload p : PAYLOADS) {
            byte[] bytes = p.json().getBytes(StandardCharsets.UTF_8);
            Path file = inputs.resolve(p.tag() + ".json");
            Files.write(file, bytes);
            put.accept(new Command(p.tag(), List.of("put", "file-" + p.tag(), "--file", file.toString())), p.putCode());
            put.accept(new Command(p.tag(), List.of("put", "stdin-" + p.tag(), "-"), bytes), p.putCode());
            if (!p.json().isEmpty() && p.json().length() < 1000) {
                put.accept(new Command(p.tag(), List.of("put", "arg-" + p.tag(), p.json())), p.putCode());
            }
        }
        put.accept(new Command("no JSON argument", List.of("put", "stdin-implicit"), "{\"a\":[true]}".getBytes(StandardCharsets.UTF_8)), ExitCodes.OK);
        put.accept(new Command("white space", List.of("put", "arg-blank", " \t\r\n")), ExitCodes.INVALID_INPUT);
        // Not UTF-8 (FORMAT.md: JSON is UTF-8): a lone byte 0xff, UTF-16 with its byte order mark.
        byte[] notUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};
        Files.write(inputs.resolve("not-utf8.json"), notUtf8);
        put.accept(new Command("not UTF-8", List.of("put", "file-not-utf8", "--file", inputs.resolve("not-utf8.json").toString())), ExitCodes.INVALID_INPUT);
        put.accept(new Command("not UTF-8", List.of("put", "stdin-not-utf8"), notUtf8), ExitCodes.INVALID_INPUT);
        Files.write(inputs.resolve("utf16.json"), "[1]".getBytes(StandardCharsets.UTF_16));
        put.accept(new Command("UTF-16", List.of("put", "file-utf16", "--file", inputs.resolve("utf16.json").toString())), ExitCodes.INVALID_INPUT);
        put.accept(new Command("missing file", List.of("put", "file-missing", "--file", inputs.resolve("missing.json").toString())), ExitCodes.NOT_FOUND);
        // Over the size limit (ShmOptions.DEFAULT_MAX_OBJECT_SIZE; the CLI has no option for it): a string of 64 MiB.
        Path large = inputs.resolve("large.json");
        Files.writeString(large, "\"" + "x".repeat(64 << 20) + "\"");
        put.accept(new Command("over the size limit", List.of("put", "file-large", "--file", large.toString())), ExitCodes.INVALID_INPUT);
        // A region that already has two versions: the put is version 3.
        assertThat(CliRun.in(d, "put", "existing", "{\"v\":1}").code()).isZero();
        assertThat(CliRun.in(d, "put", "existing", "{\"v\":2}").code()).isZero();
        put.accept(new Command("existing region", List.of("put", "existing", "{\"v\":3}")), ExitCodes.OK);
        for (String tag : List.of("a/b", "..", "t".repeat(201), "tab\t")) {
            commands.add(new Command("bad tag", List.of("put", tag, "1")));
        }
        byte[] pristine = pristine();
        SplittableRandom random = new SplittableRandom(SEED);
        int damaged = Math.max(1, COUNT / 5);
        for (int i = 0; i < damaged; i++) {
            String tag = "damaged-" + i;
            Files.write(d.resolve(tag), RegionDamage.of(pristine, random).bytes());
            commands.add(new Command("seed " + Long.toHexString(SEED) + ", damage " + i, List.of("put", tag, "{\"third\":3}")));
            commands.add(new Command("seed " + Long.toHexString(SEED) + ", damage " + i, List.of("get", tag)));
        }
        Map<Path, byte[]> start = regionFiles();

        // Masters alive in other processes, one Java, one Python: put is refused (exit 5).
        try (ChildJvm javaHolder = ChildJvm.start(ObjectPeerMain.class, "hold-master", d.toString(), "held-by-java");
             ChildJvm pythonHolder = PythonPeer.procs("hold", "held-by-python", d)) {
            javaHolder.awaitLine("READY", PYTHON_TIMEOUT);
            pythonHolder.awaitLine("ready", PYTHON_TIMEOUT);
            for (String tag : List.of("held-by-java", "held-by-python")) {
                commands.add(new Command("master in another process", List.of("put", tag, "{\"not\":\"published\"}")));
                commands.add(new Command("master in another process", List.of("get", tag)));
                putCodes.put(tag, ExitCodes.MASTER_CONFLICT);
            }

            List<CliRun> python = runInPython(commands);
            Map<String, String> pythonRegions = regions(start, commands);
            restore(start);
            List<String> problems = new ArrayList<>();
            List<CliRun> java = compareWithJava(commands, python, problems);
            Map<String, String> javaRegions = regions(start, commands);
            assertThat(problems).as("seed %x: %d commands where the Java and Python CLIs differ", SEED, problems.size()).isEmpty();
            assertThat(pythonRegions).as("the regions after Python's puts, as after Java's").isEqualTo(javaRegions);

            Map<String, Integer> gotCodes = new TreeMap<>();
            Map<String, Integer> damageCodes = new TreeMap<>();
            for (int i = 0; i < commands.size(); i++) {
                List<String> args = commands.get(i).args();
                if (args.getFirst().equals("put")) {
                    (args.get(1).startsWith("damaged-") ? damageCodes : gotCodes).merge(args.get(1), java.get(i).code(), (a, b) -> b);
                }
            }
            assertThat(gotCodes).as("put's exit code by region").containsAllEntriesOf(putCodes);
            assertThat(gotCodes.values()).as("bad tags").contains(ExitCodes.INVALID_INPUT);
            // The damage reached both outcomes; else this compares less than it claims.
            assertThat(damageCodes.values()).contains(ExitCodes.OK, ExitCodes.CORRUPT_REGION);
        }
    }

    /**
     * {@code watch TAG} in real processes ({@code io.shm4j.cli.Main} in a child JVM and
     * {@code python3 -m shm4j}; Java's watch has no {@code --count}, docs/CLI.md none either): a
     * master in this JVM publishes JSON, text and raw values, each only once both watchers printed
     * the one before (so none is skipped), and both lines must be equal; a JSON payload that is
     * not UTF-8 then ends both with the same exit code and stderr line. A second pair, ended by
     * SIGINT, must exit 130 with nothing on stderr.
     */
    @Test
    void bothCommandLinesWatchTheSame(@TempDir Path errs) throws Exception {
        List<Map.Entry<ContentType, byte[]>> values = new ArrayList<>();
        for (Payload p : PAYLOADS) {
            if (p.getCode() == ExitCodes.OK) {
                values.add(Map.entry(ContentType.JSON, p.json().getBytes(StandardCharsets.UTF_8)));
            }
        }
        values.add(Map.entry(ContentType.TEXT, "line one\nzwei é ✓ \"q\" \\ \u0001\n".getBytes(StandardCharsets.UTF_8)));
        values.add(Map.entry(ContentType.TEXT, new byte[0]));
        values.add(Map.entry(ContentType.RAW, new byte[] {0, 1, (byte) 0xff, 'a'}));
        values.add(Map.entry(ContentType.RAW, new byte[0]));
        publish("watched", values.getFirst().getKey(), values.getFirst().getValue());
        List<String> javaLines = new ArrayList<>();
        List<String> pythonLines = new ArrayList<>();
        try (ChildJvm java = watcher(false, "watched", errs); ChildJvm python = watcher(true, "watched", errs)) {
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    publish("watched", values.get(i).getKey(), values.get(i).getValue());
                }
                javaLines.add(java.nextLine(PYTHON_TIMEOUT));
                pythonLines.add(python.nextLine(PYTHON_TIMEOUT));
            }
            publish("watched", ContentType.JSON, new byte[] {'"', (byte) 0xc3, '"'});
            assertThat(python.waitFor(PYTHON_TIMEOUT)).as("Python's exit code").isEqualTo(java.waitFor(PYTHON_TIMEOUT))
                    .isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(python.output()).as("Python's lines").isEqualTo(pythonLines);
            assertThat(java.output()).as("Java's lines").isEqualTo(javaLines);
        }
        assertThat(pythonLines).as("Python's lines, as Java's").isEqualTo(javaLines);
        assertThat(javaLines).hasSize(values.size()).first().asString().startsWith("{\"tag\":\"watched\",\"version\":1,");
        assertThat(Files.readString(errs.resolve("python"))).as("Python's stderr, as Java's")
                .isEqualTo(Files.readString(errs.resolve("java")))
                .isEqualTo("shm4j: version " + (values.size() + 1) + " is not UTF-8 text (JSON is UTF-8); its master "
                        + "must publish a valid value\n");

        publish("interrupted", ContentType.TEXT, "x".getBytes(StandardCharsets.UTF_8));
        try (ChildJvm java = watcher(false, "interrupted", errs); ChildJvm python = watcher(true, "interrupted", errs)) {
            assertThat(python.nextLine(PYTHON_TIMEOUT)).isEqualTo(java.nextLine(PYTHON_TIMEOUT)).isEqualTo("{\"tag\":\"interrupted\",\"version\":1,\"value\":\"x\"}");
            for (ChildJvm watcher : List.of(java, python)) {
                assertThat(new ProcessBuilder("kill", "-INT", Long.toString(watcher.pid())).start().waitFor()).isZero();
            }
            assertThat(java.waitFor(PYTHON_TIMEOUT)).as("Java's exit code on SIGINT").isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(python.waitFor(PYTHON_TIMEOUT)).as("Python's exit code on SIGINT").isEqualTo(ExitCodes.INTERRUPTED);
        }
        assertThat(Files.readString(errs.resolve("java"))).isEmpty();
        assertThat(Files.readString(errs.resolve("python"))).isEmpty();
    }

    /** {@code shm4j --dir DIR watch TAG} as a process, Python's or Java's; its stderr goes to {@code errs/python} or {@code errs/java}. */
    private ChildJvm watcher(boolean python, String tag, Path errs) throws IOException {
        String[] args = {"--dir", dir.path().toString(), "watch", tag};
        ProcessBuilder builder = python ? PythonPeer.builder("shm4j", (Object[]) args)
                : new ProcessBuilder(ChildJvm.command(List.of(), List.of(), Main.class, args));
        return ChildJvm.of(builder.redirectError(errs.resolve(python ? "python" : "java").toFile()));
    }

    /** The region files in the directory (not the helper files {@code TAG~*}), as bytes. */
    private Map<Path, byte[]> regionFiles() throws IOException {
        Map<Path, byte[]> files = new TreeMap<>();
        for (Path f : files()) {
            if (Files.isRegularFile(f) && !f.getFileName().toString().contains("~")) {
                files.put(f, Files.readAllBytes(f));
            }
        }
        return files;
    }

    /** Puts every file back as in {@code start}: those not there are removed, with all helper files. */
    private void restore(Map<Path, byte[]> start) throws IOException {
        for (Path f : files()) {
            if (Files.isRegularFile(f) && !start.containsKey(f) && !f.getFileName().toString().startsWith("held-by-")) {
                Files.delete(f);
            }
        }
        for (Map.Entry<Path, byte[]> e : start.entrySet()) {
            if (!e.getKey().getFileName().toString().startsWith("held-by-")) {
                Files.write(e.getKey(), e.getValue());
            }
        }
    }

    /**
     * Each region a put named: "unchanged" if its file is as in {@code start}, "absent" if there
     * is none, else the version, content type and payload (hex) it holds, or why it cannot be read.
     */
    private Map<String, String> regions(Map<Path, byte[]> start, List<Command> commands) throws IOException {
        Map<String, String> regions = new TreeMap<>();
        for (Command c : commands) {
            if (!c.args().getFirst().equals("put") || c.where().equals("bad tag")) {
                continue;
            }
            String tag = c.args().get(1);
            Path file = dir.path().resolve(tag);
            String state;
            if (!Files.exists(file)) {
                state = "absent";
            } else if (start.containsKey(file) && Arrays.equals(start.get(file), Files.readAllBytes(file))) {
                state = "unchanged";
            } else {
                try (SharedObjectFollower<byte[]> f = SharedObject.follower(tag, ObjectCodecs.bytes(),
                        dir.options().withWaitStrategy(WaitStrategy.BACKOFF))) {
                    Snapshot s = f.snapshot();
                    state = s == null ? "no version" : "version " + s.version() + ", " + s.contentType() + ", "
                            + HexFormat.of().formatHex(s.bytes());
                } catch (Exception e) {
                    state = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
            }
            regions.put(tag, state);
        }
        return regions;
    }

    /** Creates region {@code tag} and publishes {@code payload} as {@code type} (nothing if null); get must exit {@code getCode}. */
    private void publish(String tag, ContentType type, byte[] payload, int getCode, Map<String, Integer> getCodes) throws IOException {
        publish(tag, type, payload);
        getCodes.put(tag, getCode);
    }

    /** Publishes {@code payload} to region {@code tag} as {@code type}, creating it if needed (nothing if null). */
    private void publish(String tag, ContentType type, byte[] payload) throws IOException {
        try (SharedObjectMaster<byte[]> m = SharedObject.master(tag, ObjectCodecs.bytes(type), dir.options())) {
            if (payload != null) {
                m.publish(payload);
            }
        }
    }

    /** Runs every command in both CLIs; adds the differences, described, to {@code problems}; returns Java's results. */
    private List<CliRun> compare(List<Command> commands, List<String> problems) throws Exception {
        List<Path> before = files();
        List<CliRun> java = compareWithJava(commands, runInPython(commands), problems);
        // Read-only commands write nothing but a follower registry (FORMAT.md 3.3: get registers while it reads).
        assertThat(files()).as("the region directory after get and inspect").isEqualTo(before);
        return java;
    }

    /** Runs every command in the Java CLI; adds where {@code python}'s results differ to {@code problems}; returns Java's. */
    private List<CliRun> compareWithJava(List<Command> commands, List<CliRun> python, List<String> problems) {
        List<CliRun> java = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) {
            Command c = commands.get(i);
            CliRun j = CliRun.in(dir.path(), c.stdin(), c.args().toArray(String[]::new));
            CliRun p = python.get(i);
            java.add(j);
            if (j.code() != p.code() || !comparable(j.out()).equals(comparable(p.out())) || !j.err().equals(p.err())) {
                problems.add(c.where() + ": " + String.join(" ", c.args()) + "\n  Java:   " + shown(j) + "\n  Python: " + shown(p));
            }
        }
        return java;
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir.path())) {
            return files.filter(f -> !f.getFileName().toString().endsWith("~followers")).sorted().toList();
        }
    }

    /** Output as compared: ageMillis present with any value. */
    private static String comparable(String out) {
        return AGE_MILLIS.matcher(out).replaceAll("\"ageMillis\":_");
    }

    private static String shown(CliRun r) {
        return "exit " + r.code() + ", stdout " + JSON.writeValueAsString(r.out()) + ", stderr " + JSON.writeValueAsString(r.err());
    }

    /** The commands' results in one Python process (python/tests/cli_diff.py). */
    private List<CliRun> runInPython(List<Command> commands) throws IOException, InterruptedException {
        Map<String, Object> request = Map.of("dir", dir.path().toString(),
                "commands", commands.stream().map(Command::args).toList(),
                "stdin", commands.stream().map(c -> Base64.getEncoder().encodeToString(c.stdin())).toList());
        List<CliRun> results = new ArrayList<>();
        for (JsonNode r : PythonPeer.exchange("tests.cli_diff", request, commands.size(), PYTHON_TIMEOUT)) {
            results.add(new CliRun(r.get("code").asInt(), r.get("out").asString(), r.get("err").asString()));
        }
        return results;
    }
}
