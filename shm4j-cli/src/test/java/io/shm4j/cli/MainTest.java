package io.shm4j.cli;

import io.shm4j.testing.ChildJvm;
import io.shm4j.CorruptRegionException;
import io.shm4j.InvalidTagException;
import io.shm4j.MappedRegion;
import io.shm4j.MasterConflictException;
import io.shm4j.ReadOnlyRegionException;
import io.shm4j.RegionNotFoundException;
import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.ObjectRegionDescriptor;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI with a private region directory: commands run in-process with captured output, the
 * demo as a real process.
 */
class MainTest {

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private CliRun run(String... args) {
        return CliRun.in(dir.path(), args);
    }

    private static CliRun runRaw(String... args) {
        return CliRun.raw(args);
    }

    private void region(String tag, String content) throws IOException {
        try (MappedRegion m = MappedRegion.create(tag, content.length(), dir.options())) {
            m.write(content.getBytes(US_ASCII));
        }
    }

    private Path objectHeader(String tag, long committed, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(ObjectRegionDescriptor.HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ObjectRegionDescriptor.MAGIC).putLong(ObjectRegionDescriptor.COMMITTED_OFFSET, committed);
        Path f = dir.path().resolve(tag);
        Files.write(f, java.util.Arrays.copyOf(b.array(), length));
        return f;
    }

    @Nested
    class Ls {
        @Test
        void emptyDirectorySaysSo() {
            CliRun r = run("ls");
            assertThat(r.code()).isZero();
            assertThat(r.out().strip()).isEqualTo("no regions in " + dir.path());
        }

        @Test
        void missingDirectoryIsEmptyNotAnError() {
            CliRun r = runRaw("--dir", dir.path().resolve("absent").toString(), "ls");
            assertThat(r.code()).isZero();
            assertThat(r.out()).startsWith("no regions in ");
        }

        @Test
        void listsTagsWithSizeKindAndTimeSkippingOtherNames() throws IOException {
            region("raw-one", "hello");
            objectHeader("obj", 7, ObjectRegionDescriptor.HEADER_LENGTH);
            objectHeader("short-obj", 7, 20);
            Files.writeString(dir.path().resolve("raw-one~new-1-2"), "helper");
            Files.writeString(dir.path().resolve("not a tag"), "x");
            Files.createDirectory(dir.path().resolve("subdir"));

            CliRun r = run("ls");
            assertThat(r.code()).isZero();
            List<String> lines = r.out().lines().toList();
            assertThat(lines).hasSize(4);
            assertThat(lines.get(0)).startsWith("TAG").contains("SIZE", "KIND", "VERSION", "MODIFIED");
            // A header alone is shorter than its fileLength: no reader accepts it (RegionHeader).
            assertThat(lines.get(1)).matches("obj +128 +object \\(damaged\\) +- +-");
            assertThat(lines.get(2)).matches("raw-one +5 +raw +- +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
            assertThat(lines.get(3)).matches("short-obj +20 +object \\(damaged\\) +- +-");
            assertThat(r.err()).isEmpty();
        }
    }

    @Nested
    class Rm {
        @Test
        void removesRegionsAndTheirHelperFilesOnly() throws IOException {
            region("a", "1");
            region("b", "2");
            region("ab", "3");
            Files.writeString(dir.path().resolve("a~new-1"), "");
            Files.writeString(dir.path().resolve("a~grow"), "");

            CliRun r = run("rm", "a", "b");
            assertThat(r.code()).isZero();
            assertThat(r.out().lines()).containsExactly("removed a", "removed b");
            try (var left = Files.list(dir.path())) {
                assertThat(left.map(p -> p.getFileName().toString())).containsExactly("ab");
            }
        }

        @Test
        void missingTagIsNotFoundAfterRemovingTheOthers() throws IOException {
            region("here", "1");
            CliRun r = run("rm", "gone", "here");
            assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.out().lines()).containsExactly("removed here");
            assertThat(r.errLines()).containsExactly("shm4j: no region gone in " + dir.path()
                    + " (the others were removed); see 'shm4j ls'");
            assertThat(dir.path().resolve("here")).doesNotExist();
        }

        @Test
        void missingTagsAloneAreNotFoundWithoutOthers() {
            CliRun r = run("rm", "gone", "lost");
            assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.out()).isEmpty();
            assertThat(r.errLines()).containsExactly("shm4j: no region gone, lost in " + dir.path() + "; see 'shm4j ls'");
        }

        @Test
        void badTagRemovesNothing() throws IOException {
            region("keep", "1");
            CliRun r = run("rm", "keep", "../etc");
            assertThat(r.code()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(r.errLines()).singleElement().asString().startsWith("shm4j: invalid region tag '../etc'");
            assertThat(dir.path().resolve("keep")).exists();
        }

        @Test
        void needsATag() {
            CliRun r = run("rm");
            assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.errLines()).singleElement().asString().startsWith("shm4j: Missing required parameter");
        }
    }

    @Nested
    class Dump {
        @Test
        void printsHexAndAsciiLikeXxd() throws IOException {
            region("d", "EURUSD 1.0842\nGBPUSD 1.2710\n\u0001\u007f");
            CliRun r = run("dump", "d");
            assertThat(r.code()).isZero();
            assertThat(r.out().lines()).containsExactly(
                    "00000000: 4555 5255 5344 2031 2e30 3834 320a 4742  EURUSD 1.0842.GB",
                    "00000010: 5055 5344 2031 2e32 3731 300a 017f       PUSD 1.2710...");
        }

        @Test
        void offsetAndLengthSelectAWindow() throws IOException {
            region("d", "0123456789abcdefghijklmnopqrstuvwxyz");
            assertThat(run("dump", "d", "--offset", "10", "--length", "3").out().lines())
                    .containsExactly("0000000a: 6162 63                                  abc");
            assertThat(run("dump", "d", "--offset", "34").out().lines())
                    .containsExactly("00000022: 797a                                     yz");
            assertThat(run("dump", "d", "--offset", "36").out()).isEmpty();
            assertThat(run("dump", "d", "--length", "0").out()).isEmpty();
            assertThat(run("dump", "d", "--offset", "30", "--length", "100").out().lines()).hasSize(1);
            // offset + length beyond a long: still clipped at the end, not wrapped to nothing
            assertThat(run("dump", "d", "--offset", "34", "--length", String.valueOf(Long.MAX_VALUE)).out().lines())
                    .containsExactly("00000022: 797a                                     yz");
        }

        @Test
        void anOffsetPastTheRegionIsInvalidInputANegativeWindowUsage() throws IOException {
            region("d", "abc");
            CliRun past = run("dump", "d", "--offset", "4");
            assertThat(past.code()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(past.errLines()).containsExactly("shm4j: --offset 4 is outside region d (0..3)");
            // No region has a negative offset or length: a bad option value, before the region is opened.
            for (String region : List.of("d", "nope")) {
                assertThat(run("dump", region, "--offset", "-1").errLines())
                        .containsExactly("shm4j: --offset must be >= 0, got -1 (see 'shm4j dump --help')");
                assertThat(run("dump", region, "--length", "-1").errLines())
                        .containsExactly("shm4j: --length must be >= 0, got -1 (see 'shm4j dump --help')");
                assertThat(run("dump", region, "--length", "-1").code()).isEqualTo(ExitCodes.USAGE);
            }
            assertThat(run("dump", "d", "--offset", "x").code()).isEqualTo(ExitCodes.USAGE);
        }

        @Test
        void missingRegionIsNotFound() {
            CliRun r = run("dump", "nope");
            assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.errLines()).singleElement().asString()
                    .startsWith("shm4j: no region 'nope' (" + dir.path().resolve("nope") + ")");
        }
    }

    @Nested
    class Errors {
        @Test
        void noCommandIsAUsageError() {
            CliRun r = run();
            assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.errLines()).containsExactly("shm4j: missing command (see 'shm4j --help')");
        }

        @Test
        void unknownCommandAndOptionAreUsageErrors() {
            CliRun cmd = run("frobnicate");
            assertThat(cmd.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(cmd.errLines()).containsExactly("shm4j: unknown command 'frobnicate'; did you mean 'followers'? (see 'shm4j --help')");
            CliRun opt = run("ls", "--bogus");
            assertThat(opt.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(opt.errLines()).containsExactly("shm4j: Unknown option: '--bogus' (see 'shm4j ls --help')");
        }

        @Test
        void verbosePrintsTheStackTraceToo() {
            CliRun quiet = run("dump", "nope");
            assertThat(quiet.errLines()).hasSize(1);
            CliRun verbose = run("--verbose", "dump", "nope");
            assertThat(verbose.code()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(verbose.errLines().get(0)).isEqualTo(quiet.errLines().get(0));
            assertThat(verbose.err()).contains(RegionNotFoundException.class.getName(), "at io.shm4j.MappedRegion.open");
        }

        @Test
        void helpWorksOnEveryCommand() {
            List<String> paths = new ArrayList<>();
            collect(Main.commandLine(), "", paths);
            assertThat(paths).contains("ls", "rm", "dump", "demo", "demo regions");
            for (String path : paths) {
                if (path.equals("help")) {
                    continue; // help --help is help's own usage; 'help COMMAND' is RoughEdgesTest's
                }
                List<String> args = new ArrayList<>(List.of(path.split(" ")));
                args.add("--help");
                CliRun r = runRaw(args.toArray(String[]::new));
                assertThat(r.code()).as(path).isZero();
                assertThat(r.out()).as(path).startsWith("Usage: shm4j " + path);
            }
        }

        private void collect(CommandLine cl, String prefix, List<String> paths) {
            cl.getSubcommands().forEach((name, sub) -> {
                String path = (prefix + " " + name).strip();
                paths.add(path);
                collect(sub, path, paths);
            });
        }

        @Test
        void versionNamesTheProjectVersion() {
            CliRun r = runRaw("--version");
            assertThat(r.code()).isZero();
            assertThat(r.out()).matches("shm4j \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Java .*\\)\\R");
        }

        @Test
        void exceptionsMapToTheDocumentedCodes() {
            assertThat(ExitCodes.of(new RegionNotFoundException("t", "/x/t"))).isEqualTo(3);
            assertThat(ExitCodes.of(new java.nio.file.NoSuchFileException("/x"))).isEqualTo(3);
            assertThat(ExitCodes.of(new InvalidTagException("bad"))).isEqualTo(4);
            assertThat(ExitCodes.of(new IllegalArgumentException("bad"))).isEqualTo(4);
            assertThat(ExitCodes.of(new ReadOnlyRegionException("t"))).isEqualTo(4);
            assertThat(ExitCodes.of(new FileAlreadyExistsException("/x"))).isEqualTo(4);
            assertThat(ExitCodes.of(new MasterConflictException("t", 1))).isEqualTo(5);
            assertThat(ExitCodes.of(new CorruptRegionException("bad magic"))).isEqualTo(6);
            assertThat(ExitCodes.of(new IOException("disk"))).isEqualTo(7);
            assertThat(ExitCodes.of(new UncheckedIOException(new IOException("disk")))).isEqualTo(7);
            assertThat(ExitCodes.of(new InterruptedException())).isEqualTo(130);
            assertThat(ExitCodes.of(new NullPointerException())).isEqualTo(1);
        }

        @Test
        void internalErrorsSayHowToReportThem() {
            StringWriter err = new StringWriter();
            int code = ExitCodes.report(new NullPointerException("oops"), new PrintWriter(err), false);
            assertThat(code).isEqualTo(ExitCodes.SOFTWARE);
            assertThat(err.toString().lines()).containsExactly(
                    "shm4j: internal error (java.lang.NullPointerException): oops; rerun with --verbose for details");
        }
    }

    /** {@code shm4j demo regions} end to end: a real CLI process driving three more JVMs. */
    @Nested
    class Demo {
        private static final Duration TIMEOUT = Duration.ofSeconds(60);
        private static final Pattern PID = Pattern.compile("pid (\\d+)");

        @Test
        void anOptionOutOfItsRangeIsAUsageError() {
            for (List<String> args : List.of(List.of("objects", "--followers", "0", "1..64"),
                    List.of("objects", "--followers", "65", "1..64"), List.of("objects", "--seconds", "0", "1..3600"),
                    List.of("objects", "--seconds", "3601", "1..3600"), List.of("regions", "--pause", "-1", ">= 0"))) {
                CliRun r = run("demo", args.get(0), args.get(1), args.get(2));
                assertThat(r.code()).as(args.toString()).isEqualTo(ExitCodes.USAGE);
                assertThat(r.errLines()).containsExactly("shm4j: " + args.get(1) + " must be " + args.get(3) + ", got "
                        + args.get(2) + " (see 'shm4j demo " + args.get(0) + " --help')");
            }
        }

        @Test
        void demoRunsThreeProcessesShowsEachModeAndCleansUp() throws Exception {
            try (ChildJvm cli = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "demo", "regions")) {
                assertThat(cli.waitFor(TIMEOUT)).as("exit code; output %s", cli.output()).isZero();
                List<String> out = cli.output();
                String text = String.join("\n", out);
                assertThat(text)
                        .contains("[writer WRITE pid", "MappedRegion.create(\"demo-regions\", 4096)")
                        .contains("MappedRegion.open(\"demo-regions\", AccessMode.READ)")
                        .contains("MappedRegion.open(\"demo-regions\", AccessMode.COPY)")
                        .contains("readLine() -> \"GBPUSD 1.2710\\n\"")
                        .contains("find(\"GBPUSD\", 0) = 14; seek(14); readLine() -> \"GBPUSD 1.2710\\n\"")
                        .contains("rfind(\"USD\", 0) = 28")
                        .contains("refused: ReadOnlyRegionException: region demo-regions is read-only");
                // COPY: the copier sees its write, the reader and writer do not
                assertThat(linesOf(out, "copier", "sees")).containsExactly(
                        "sees \"EURUSD 9.9999\\n\"", "sees \"EURUSD 9.9999\\n\"");
                assertThat(linesOf(out, "writer", "sees")).containsExactly("sees \"EURUSD 1.0842\\n\"");
                // WRITE: the reader sees the writer's update
                assertThat(linesOf(out, "reader", "sees")).containsExactly(
                        "sees \"EURUSD 1.0842\\n\"", "sees \"EURUSD 1.0850\\n\"");
                assertThat(pids(out)).hasSize(3).allSatisfy(pid ->
                        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse());
            }
            try (var left = Files.list(dir.path())) {
                assertThat(left).isEmpty();
            }
        }

        @Test
        void interruptingTheDemoStopsItsProcessesAndRemovesTheRegion() throws Exception {
            try (ChildJvm cli = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "demo", "regions", "--pause", "60000")) {
                cli.awaitLine("   [writer", TIMEOUT);
                assertThat(dir.path().resolve(RegionsDemo.TAG)).exists();
                new ProcessBuilder("kill", "-INT", String.valueOf(cli.pid())).start().waitFor();
                assertThat(cli.waitFor(TIMEOUT)).isEqualTo(ExitCodes.INTERRUPTED);
                List<Long> pids = pids(cli.output());
                assertThat(pids).hasSize(3);
                for (long pid : pids) {
                    ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
                }
                assertThat(cli.output()).noneMatch(l -> l.startsWith("2. "));
            }
            try (var left = Files.list(dir.path())) {
                assertThat(left).isEmpty();
            }
        }

        @Test
        void keptRegionIsListedDumpedAndRemovedByTheOtherCommands() throws Exception {
            try (ChildJvm cli = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "demo", "regions", "--keep")) {
                assertThat(cli.waitFor(TIMEOUT)).isZero();
                assertThat(cli.output()).last().asString().startsWith("Kept region demo-regions");
            }
            assertThat(run("ls").out().lines().toList().get(1)).matches("demo-regions +4096 +raw .*");
            assertThat(run("dump", RegionsDemo.TAG, "--length", "16").out().strip())
                    .isEqualTo("00000000: 4555 5255 5344 2031 2e30 3835 300a 4742  EURUSD 1.0850.GB");
            assertThat(run("rm", RegionsDemo.TAG).out().strip()).isEqualTo("removed demo-regions");
            assertThat(dir.path().resolve(RegionsDemo.TAG)).doesNotExist();
        }

        private static List<String> linesOf(List<String> out, String role, String prefix) {
            return out.stream().filter(l -> l.startsWith("   [" + role))
                    .map(l -> l.substring(l.indexOf("] ") + 2)).filter(l -> l.startsWith(prefix)).toList();
        }

        private static List<Long> pids(List<String> out) {
            return out.stream().flatMap(l -> PID.matcher(l).results()).map(m -> Long.parseLong(m.group(1))).distinct().toList();
        }
    }
}
