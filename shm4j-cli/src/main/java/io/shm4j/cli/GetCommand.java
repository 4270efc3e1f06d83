package io.shm4j.cli;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.WaitStrategy;
import io.shm4j.internal.ObjectRegion;
import io.shm4j.internal.Processes;
import io.shm4j.internal.RegionFiles;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HexFormat;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;

/**
 * {@code shm4j get TAG [--pointer P] [--pretty] [--raw] [--meta]}: print the current object.
 * Its model is built in code, not read from annotations: get is the command scripts run most,
 * and picocli's reflection would be most of its start-up ({@link Main}).
 */
final class GetCommand implements Callable<Integer> {
    private final Main main;
    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this).name("get");

    private final PositionalParamSpec tagParameter = PositionalParamSpec.builder().index("0").arity("1")
            .required(true).paramLabel("TAG").type(String.class).description("Shared object tag.").build();

    private final OptionSpec pointerOption = Main.option(spec, OptionSpec.builder("--pointer").type(String.class).paramLabel("P")
            .description("Print only the value at this JSON pointer, e.g. /db/host."));

    private final OptionSpec prettyOption = Main.option(spec, OptionSpec.builder("--pretty").type(boolean.class)
            .description("Indent the JSON."));

    private final OptionSpec metaOption = Main.option(spec, OptionSpec.builder("--meta").type(boolean.class)
            .description("Print version, size, content type, publish time and master pid/alive instead."));

    private final OptionSpec rawOption = Main.option(spec, OptionSpec.builder("--raw").type(boolean.class)
            .description("Print a JSON string without quotes or escapes, as jq -r (other values as JSON)."));

    private final OptionSpec waitOption = Main.option(spec, OptionSpec.builder("--wait").type(Duration.class).paramLabel("D")
            .converters(new DurationConverter())
            .description("Wait up to D (e.g. 10s) for the region to be created and to hold a version, instead of exiting 3 at once."));

    // this invocation's arguments, read from the model by call()
    private String tag;
    private String pointer;
    private boolean pretty;
    private boolean meta;
    private boolean raw;
    private Duration wait;

    private GetCommand(Main main) {
        this.main = main;
        spec.usageMessage().description(
                "Print the current version of a shared object (JSON as JSON, text as text, raw bytes as hex).");
        spec.addPositional(tagParameter);
        Main.standardHelpOptions(spec);
    }

    /** The model of get, a subcommand of {@code main}. */
    static CommandSpec spec(Main main) {
        return new GetCommand(main).spec;
    }

    @Override
    public Integer call() throws Exception {
        tag = tagParameter.getValue();
        pointer = pointerOption.getValue();
        pretty = Boolean.TRUE.equals(prettyOption.getValue());
        meta = Boolean.TRUE.equals(metaOption.getValue());
        raw = Boolean.TRUE.equals(rawOption.getValue());
        wait = waitOption.getValue();
        if (meta && pointer != null) {
            throw Main.conflict(spec, "--meta", "--pointer", "--meta describes the whole version: drop one");
        }
        if (meta && raw) {
            throw Main.conflict(spec, "--meta", "--raw", "--meta prints JSON: drop one");
        }
        if (pointer != null && !pointer.isEmpty() && !pointer.startsWith("/")) {
            throw new ParameterException(spec.commandLine(), "invalid --pointer '" + pointer
                    + "': a JSON pointer starts with '/', e.g. --pointer /" + pointer);
        }
        PrintWriter out = main.spec.commandLine().getOut();
        long start = System.nanoTime();
        // get sleeps in the kernel at most for --wait's first version: polling is enough.
        ShmOptions options = main.options().withWaitStrategy(WaitStrategy.BACKOFF)
                .withCreationTimeout(wait == null ? Duration.ZERO : wait);
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
            Snapshot s = follower.snapshot();
            if (s == null && wait != null) {
                s = follower.awaitNewer(0, wait.minusNanos(System.nanoTime() - start)).orElse(null);
            }
            if (meta) {
                out.println(print(meta(s), pretty));
                return ExitCodes.OK;
            }
            if (s == null) {
                throw new NoSuchElementException("region " + tag + " has no version yet; publish one with `shm4j put " + tag + " JSON`");
            }
            String source = "region " + tag + " version " + s.version();
            if (s.contentType() != ContentType.JSON) {
                if (pointer != null) {
                    throw new IllegalArgumentException("region " + tag + " holds " + s.contentType() + " content, not JSON; drop --pointer");
                }
                out.println(s.contentType() == ContentType.TEXT
                        ? JsonInput.publishedText(s, source)
                        : HexFormat.of().formatHex(s.bytes()));
                return ExitCodes.OK;
            }
            if (pointer == null && !pretty) { // the usual case: printed without building a tree
                out.println(JsonInput.publishedCompact(s, source, raw));
                return ExitCodes.OK;
            }
            JsonNode value = JsonInput.published(s, source);
            if (pointer != null) {
                JsonNode at = value.at(JsonPointer.compile(pointer));
                if (at.isMissingNode()) {
                    throw new NoSuchElementException("no value at " + pointer + " in region " + tag + " version " + s.version());
                }
                value = at;
            }
            out.println(raw && value.isString() ? value.stringValue() : print(value, pretty));
        }
        return ExitCodes.OK;
    }

    private ObjectNode meta(Snapshot s) throws Exception {
        ObjectNode m = JsonInput.mapper().createObjectNode();
        m.put("tag", tag);
        m.put("version", unsigned(s == null ? 0 : s.version()));
        if (s != null) {
            m.put("size", s.length());
            m.put("contentType", s.contentType().name());
            m.put("published", s.publishTime().toString());
            // floor((now - published) / 1 ms) with now in whole ms, as Python's //, and no overflow
            // for any stored time (a damaged one included).
            m.put("ageMillis", System.currentTimeMillis() - Math.ceilDiv(s.publishTimeNanos(), 1_000_000L));
        }
        try (ObjectRegion r = ObjectRegion.openReadOnly(tag, RegionFiles.file(tag, main.options()))) {
            m.put("masterPid", r.masterPid());
            m.put("masterAlive", Processes.isAlive(r.masterPid(), r.masterStartMillis()));
            m.put("generation", unsigned(r.generation()));
            m.put("file", r.file().toString());
        }
        return m;
    }

    /** A u64 field as FORMAT.md types it (as Python's get --meta prints it). */
    static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }

    static String print(JsonNode node, boolean pretty) {
        return pretty ? JsonInput.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node) : JsonInput.mapper().writeValueAsString(node);
    }
}
