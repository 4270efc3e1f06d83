package io.shm4j.cli;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line's rough edges of issue 15, each as a user met it: conflicting options,
 * where invalid JSON breaks, what ls shows, raw regions, --pointer, unknown commands, help,
 * option positions, --max-size/--mode, script output (ls --json, get --raw, watch --count,
 * rm -f) and replaced arguments. Python's side: python/tests/test_cli_commands.py.
 */
class RoughEdgesTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private CliRun run(String... args) {
        return CliRun.in(dir.path(), args);
    }

    @Test
    void conflictingOptionsAreUsageErrorsNamingBoth() throws Exception {
        Path file = dir.path().resolve("app.json");
        Files.writeString(file, "{\"from\":\"file\"}");
        CliRun put = run("put", "t", "{}", "--file", file.toString());
        assertThat(put.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(put.err()).contains("--file and a JSON argument cannot be combined");
        assertThat(dir.path().resolve("t")).doesNotExist();
        run("put", "t", "{\"list\":[1]}");
        CliRun get = run("get", "t", "--meta", "--pointer", "/list");
        assertThat(get.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(get.err()).contains("--meta and --pointer cannot be combined");
        assertThat(run("get", "t", "--meta", "--raw").err()).contains("--meta and --raw cannot be combined");
    }

    @Test
    void invalidJsonSaysLineColumnAndWhatWasExpected() throws Exception {
        CliRun put = run("put", "t", "{\n  \"a\": 1,\n  \"b\" 2\n}");
        assertThat(put.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(put.errLines()).containsExactly("shm4j: the JSON argument is not valid JSON: line 3, column 7: "
                + "expected ':', found '2'; nothing was published");
        Path file = dir.path().resolve("conf.json");
        Files.writeString(file, "[1, 2");
        CliRun serve = run("serve", "s", "--file", file.toString());
        assertThat(serve.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(serve.errLines()).containsExactly("shm4j: " + file.toAbsolutePath() + " is not valid JSON: line 1, "
                + "column 6: expected ',' or ']', found the end of the input; nothing was published");
        assertThat(JsonSyntax.error("{\"a\":[1,{\"b\":2]}")).isEqualTo("line 1, column 15: expected ',' or '}', found ']'");
        assertThat(JsonSyntax.error("[" .repeat(100_000))).startsWith("line 1, column 100001: expected a value");
        assertThat(JsonSyntax.error("{\"ok\":[true,null,-1.5e3,\"\\u00e9\"]}")).isNull();
    }

    @Test
    void lsShowsTheLastPublishAndTheVersionAndJson() throws Exception {
        run("put", "cfg", "1");
        Thread.sleep(1100); // the publish time must differ from the file's creation in ls's seconds
        run("put", "cfg", "2");
        JsonNode meta = JsonInput.mapper().readTree(run("get", "cfg", "--meta").out());
        JsonNode ls = JsonInput.mapper().readTree(run("ls", "--json").out());
        assertThat(ls).hasSize(1);
        assertThat(ls.get(0).get("kind").stringValue()).isEqualTo("object");
        assertThat(ls.get(0).get("version").asLong()).isEqualTo(2);
        assertThat(ls.get(0).get("modified").stringValue()).isEqualTo(meta.get("published").stringValue());
        String line = run("ls").out().lines().skip(1).findFirst().orElseThrow();
        assertThat(line).matches("cfg +8320 +object +2 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
    }

    @Test
    void aRawRegionIsNamedAsOneAndNeverAdvisedForRemoval() throws Exception {
        Files.writeString(dir.path().resolve("notes"), "hello world\n");
        CliRun get = run("get", "notes");
        assertThat(get.code()).isEqualTo(ExitCodes.CORRUPT_REGION);
        assertThat(get.err()).contains("is not a shm4j object region (bad magic): a raw region, which `shm4j dump notes` prints")
                .doesNotContain("rm");
        assertThat(run("dump", "notes").out()).startsWith("00000000: 6865 6c6c 6f20 776f 726c 640a");
    }

    @Test
    void pointerWithoutSlashIsAUsageErrorWithTheFix() {
        run("put", "t", "{\"color\":\"blue\"}");
        CliRun r = run("get", "t", "--pointer", "color");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("a JSON pointer starts with '/', e.g. --pointer /color");
        assertThat(run("get", "t", "--pointer", "/color", "--raw").out()).isEqualTo("blue\n");
        assertThat(run("get", "t", "--pointer", "/color").out()).isEqualTo("\"blue\"\n");
    }

    @Test
    void unknownCommandSuggestsTheClosestAndHelpShowsACommandsHelp() {
        assertThat(CliRun.raw("frob").errLines()).containsExactly("shm4j: unknown command 'frob'; did you mean 'rm'? (see 'shm4j --help')");
        assertThat(CliRun.raw("gte").err()).contains("did you mean 'get'?");
        CliRun help = CliRun.raw("help", "get");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("Usage: shm4j get").contains("--pointer");
    }

    @Test
    void optionsGoBeforeOrAfterTheCommandAsInPython() throws Exception {
        Path other = dir.path().resolve("other");
        assertThat(CliRun.raw("put", "t", "[1]", "--dir", other.toString()).code()).isZero();
        assertThat(CliRun.raw("get", "t", "--dir", other.toString()).out()).isEqualTo("[1]\n");
        assertThat(CliRun.raw("--dir", other.toString(), "get", "t").out()).isEqualTo("[1]\n");
        assertThat(CliRun.raw("get", "nope", "--dir", other.toString(), "--verbose").err()).contains("\tat ");
    }

    @Test
    void maxSizeAndModeAsTheLibraryHasThem() throws Exception {
        CliRun big = run("put", "big", "\"" + "x".repeat(100) + "\"", "--max-size", "50");
        assertThat(big.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(big.err()).contains("over the limit of 50 bytes; nothing was published (raise the limit with --max-size BYTES");
        assertThat(run("put", "shared", "1", "--mode", "0640").code()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path().resolve("shared")))).isEqualTo("rw-r-----");
        assertThat(run("put", "x", "1", "--mode", "0777").err()).contains("--mode must be 0600, 0640 or 0660");
    }

    @Test
    void scriptOutputWatchCountAndRmForce() {
        run("put", "w", "{\"n\":1}");
        CliRun watch = run("watch", "w", "--count", "1");
        assertThat(watch.code()).isZero();
        assertThat(watch.out()).isEqualTo("{\"tag\":\"w\",\"version\":1,\"value\":{\"n\":1}}\n");
        CliRun rm = run("rm", "-f", "w", "missing");
        assertThat(rm.code()).isZero();
        assertThat(rm.out()).isEqualTo("removed w\n");
        assertThat(run("rm", "missing").code()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void argumentsTheLocaleReplacedAreRefused() {
        assertThat(Main.run(new String[] {"--dir", dir.path().toString(), "put", "t", "{\"k\":\"\uFFFD\uFFFD\uFFFD\"}"},
                StandardCharsets.US_ASCII)).isEqualTo(ExitCodes.USAGE);
        assertThat(dir.path().resolve("t")).doesNotExist();
    }
}
