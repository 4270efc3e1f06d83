package io.shm4j.cli;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Main#commandLine(String[])} builds only the command its arguments name (start-up), and
 * every command where help, completion or a suggestion needs them: either way the output and
 * exit code are those of the command line with every command.
 */
class LazyCommandLineTest {

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private static final List<String> ALL = List.of("help", "ls", "rm", "dump", "get", "followers", "put", "watch",
            "serve", "inspect", "demo", "bench", "generate-completion");

    @Test
    void aNamedCommandIsTheOnlyOneBuilt() {
        String d = dir.path().toString();
        assertThat(Main.commandLine(new String[] {"get", "t"}).getSubcommands()).containsOnlyKeys("get");
        assertThat(Main.commandLine(new String[] {"--dir", d, "--verbose", "put", "t", "{}"}).getSubcommands())
                .containsOnlyKeys("put");
        assertThat(Main.commandLine(new String[] {"--dir", "ls", "get", "t"}).getSubcommands()).containsOnlyKeys("get");
        assertThat(Main.commandLine(new String[] {"demo", "objects"}).getSubcommands()).containsOnlyKeys("demo");
    }

    @Test
    void helpCompletionAndUnknownWordsBuildEveryCommand() {
        for (List<String> args : List.of(List.<String>of(), List.of("--help"), List.of("help", "get"),
                List.of("generate-completion"), List.of("frob"), List.of("--version"), List.of("--dir"),
                List.of("--", "get"), List.of("@args", "get"))) {
            assertThat(Main.commandLine(args.toArray(String[]::new)).getSubcommands().keySet())
                    .as(args.toString()).containsExactlyElementsOf(ALL);
        }
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(ALL);
    }

    @Test
    void printsAndExitsAsTheCommandLineWithEveryCommand() {
        String d = dir.path().toString();
        assertThat(CliRun.in(dir.path(), "put", "t", "{\"a\":1}").code()).isZero();
        for (List<String> args : List.<List<String>>of(
                List.of("--dir", d, "get", "t"),
                List.of("get", "t", "--dir", d, "--pointer", "/a"),
                List.of("--dir", d, "get", "missing"),
                List.of("get"),
                List.of("get", "--help"),
                List.of("get", "t", "--frob"),
                List.of("--frob", "get", "t"),
                List.of("get", "t", "extra"),
                List.of("--dir", d, "ls"),
                List.of("demo", "--help"),
                List.of("--help"),
                List.of("help", "get"),
                List.of("frob"),
                List.of("gte", "t"),
                List.of("--", "get"),
                List.of("generate-completion"),
                List.of())) {
            String[] a = args.toArray(String[]::new);
            assertThat(run(Main.commandLine(a), a)).as(args.toString()).isEqualTo(run(Main.commandLine(), a));
        }
    }

    @Test
    void getBuiltInCodeHelpsAsItsAnnotationsDid() {
        // as picocli printed it from GetCommand's annotations (mixinStandardHelpOptions, the
        // inherited --dir and --verbose)
        assertThat(CliRun.raw("get", "--help").out()).isEqualTo("""
                Usage: shm4j get [-hV] [--meta] [--pretty] [--raw] [--verbose] [--dir=DIR]
                                 [--pointer=P] [--wait=D] TAG
                Print the current version of a shared object (JSON as JSON, text as text, raw
                bytes as hex).
                      TAG           Shared object tag.
                      --dir=DIR     Region directory (default: $SHM4J_DIR, else /dev/shm/shm4j).
                  -h, --help        Show this help message and exit.
                      --meta        Print version, size, content type, publish time and master
                                      pid/alive instead.
                      --pointer=P   Print only the value at this JSON pointer, e.g. /db/host.
                      --pretty      Indent the JSON.
                      --raw         Print a JSON string without quotes or escapes, as jq -r
                                      (other values as JSON).
                  -V, --version     Print version information and exit.
                      --verbose     On errors, print the stack trace too; print the library's
                                      notices.
                      --wait=D      Wait up to D (e.g. 10s) for the region to be created and to
                                      hold a version, instead of exiting 3 at once.
                """);
        CliRun missing = CliRun.raw("get");
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).isEqualTo("shm4j: Missing required parameter: 'TAG' (see 'shm4j get --help')\n");
        assertThat(CliRun.raw("generate-completion").out())
                .contains("local flag_opts=\"'--verbose' '-h' '--help' '-V' '--version'\"")
                .contains("local flag_opts=\"'--pretty' '--meta' '--raw' '-h' '--help' '-V' '--version' '--verbose'\"");
    }

    /** Exit code, stdout and stderr of {@code args} on {@code cl}. */
    private static List<String> run(CommandLine cl, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return List.of(Integer.toString(code), out.toString(), err.toString());
    }
}
