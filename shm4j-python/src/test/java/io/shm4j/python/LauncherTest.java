package io.shm4j.python;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ./shm4j} launcher as users run it (docs/CLI.md, "Installing"): linked onto the
 * PATH, under {@code env -i} (no locale: the JVM would decode arguments as ASCII), installed with
 * {@code ./shm4j install --prefix DIR} (with bash completion and the start-up cache), and with a
 * damaged or missing cache. Here, after {@code package}, because it runs the built lib directory.
 */
class LauncherTest {
    private static final Path ROOT = PythonPeer.directory().getParent();
    private static final Path LAUNCHER = ROOT.resolve("shm4j");

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    record Run(int code, String out, String err) {
    }

    /** Runs {@code command} under {@code env -i} (only PATH and HOME), in {@code cwd}. */
    private static Run run(Path cwd, String... command) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("env", "-i", "PATH=/usr/bin:/bin", "HOME=" + System.getProperty("user.home")));
        all.addAll(List.of(command));
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            Process p = new ProcessBuilder(all).directory(cwd.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + all);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void runsThroughASymbolicLinkOnThePathFromAnyDirectory() throws Exception {
        Path bin = Files.createDirectories(dir.path().resolve("bin"));
        Files.createSymbolicLink(bin.resolve("shm4j"), LAUNCHER);
        String regions = dir.path().resolve("regions").toString();
        Run put = run(dir.path(), bin.resolve("shm4j").toString(), "--dir", regions, "put", "t", "[1]");
        assertThat(put.code()).as(put.err()).isZero();
        assertThat(run(bin, "./shm4j", "get", "t", "--dir", regions).out()).isEqualTo("[1]\n");
    }

    /**
     * The demos' child JVMs start on the launcher's module path (io.shm4j.cli is an automatic
     * module, which pulls in no named module by itself): the first command README shows.
     * DocExamplesTest runs the CLI in-process, on the class path, so only here do they run as a
     * user's do.
     */
    @Test
    void demosStartTheirChildProcessesFromTheLauncher() throws Exception {
        String regions = dir.path().resolve("regions").toString();
        Run objects = run(dir.path(), LAUNCHER.toString(), "--dir", regions, "demo", "objects", "--followers", "1", "--seconds", "1");
        assertThat(objects.code()).as(objects.err()).isZero();
        assertThat(objects.out()).containsPattern("\\[follower 1, pid \\d+\\] saw \\d+ versions, every one whole")
                .contains("Done: every follower saw whole versions only, and the last one.");
        Run demoRegions = run(dir.path(), LAUNCHER.toString(), "--dir", regions, "demo", "regions");
        assertThat(demoRegions.code()).as(demoRegions.err()).isZero();
        assertThat(demoRegions.out()).contains("7. Done: the three processes close their mappings and exit");
        assertThat(Path.of(regions)).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    /** A JDK home under {@code dir} whose release file says {@code version}; its java runs this JVM's. */
    private Path fakeJdk(String name, String version) throws IOException {
        Path home = Files.createDirectories(dir.path().resolve(name).resolve("bin")).getParent();
        Path java = Files.writeString(home.resolve("bin/java"), "#!/bin/sh\nexec '"
                + ProcessHandle.current().info().command().orElseThrow() + "' \"$@\"\n");
        java.toFile().setExecutable(true);
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\nOS_NAME=\"Linux\"\n");
        return home;
    }

    /** The JAVA_HOME .mvn/find-jdk.sh picks with {@code env} (the launcher and mvnw source it). */
    private String foundJdk(String... env) throws Exception {
        List<String> command = new ArrayList<>(List.of(env));
        command.addAll(List.of("sh", "-c", ". .mvn/find-jdk.sh; shm4j_find_jdk; echo \"$JAVA_HOME\""));
        Run r = run(ROOT, command.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().strip();
    }

    @Test
    void findsAJdkByItsReleaseFileInJavaHomeThenOnThePath() throws Exception {
        Path newer = fakeJdk("jdk-31", "31.0.1");
        Path older = fakeJdk("jdk-17", "17.0.9");
        assertThat(foundJdk("JAVA_HOME=" + newer)).isEqualTo(newer.toString());
        Path bin = Files.createDirectories(dir.path().resolve("path-bin"));
        Files.createSymbolicLink(bin.resolve("java"), newer.resolve("bin/java"));
        // PATH's java, through a link, names its home; JAVA_HOME older than 25 is passed over
        assertThat(foundJdk("JAVA_HOME=" + older, "PATH=" + bin + ":/usr/bin:/bin")).isEqualTo(newer.toString());
        Files.delete(bin.resolve("java"));
        Files.createSymbolicLink(bin.resolve("java"), older.resolve("bin/java"));
        assertThat(foundJdk("PATH=" + bin + ":/usr/bin:/bin")).as("PATH's java too old: the newest under /usr/lib/jvm")
                .startsWith("/usr/lib/jvm/");
    }

    @Test
    void nonAsciiArgumentsArriveIntactWithoutALocale() throws Exception {
        String regions = dir.path().resolve("regions").toString();
        Run put = run(dir.path(), LAUNCHER.toString(), "--dir", regions, "put", "t", "{\"k\":\"二\"}");
        assertThat(put.code()).as(put.err()).isZero();
        assertThat(run(dir.path(), LAUNCHER.toString(), "--dir", regions, "get", "t").out()).isEqualTo("{\"k\":\"二\"}\n");
        // A locale that is not installed is POSIX too (macOS's ssh sends LC_CTYPE=UTF-8).
        Run uninstalled = run(dir.path(), "LC_CTYPE=UTF-8", LAUNCHER.toString(), "--dir", regions, "put", "v", "{\"k\":\"二\"}");
        assertThat(uninstalled.code()).as(uninstalled.err()).isZero();
        assertThat(run(dir.path(), LAUNCHER.toString(), "--dir", regions, "get", "v").out()).isEqualTo("{\"k\":\"二\"}\n");
        // The JVM alone under a POSIX locale decodes "二" as U+FFFD: the CLI refuses it.
        Run direct = run(dir.path(), javaHome() + "/bin/java", "--module-path", ROOT.resolve("shm4j-cli/target/lib").toString(),
                "--add-modules=ALL-MODULE-PATH", "-m", "io.shm4j.cli/io.shm4j.cli.Main", "--dir", regions, "put", "u", "{\"k\":\"二\"}");
        assertThat(direct.code()).isEqualTo(2);
        assertThat(direct.err()).contains("run under a UTF-8 locale");
        assertThat(Path.of(regions, "u")).doesNotExist();
    }

    @Test
    void installsForAUserWithCompletionAndSurvivesABadCache() throws Exception {
        Path prefix = dir.path().resolve("prefix");
        Run install = run(dir.path(), LAUNCHER.toString(), "install", "--prefix", prefix.toString());
        assertThat(install.code()).as(install.out() + install.err()).isZero();
        assertThat(install.out()).contains("installed " + prefix.resolve("bin/shm4j"));
        Path installed = prefix.resolve("bin/shm4j");
        assertThat(Files.isSymbolicLink(installed)).isTrue();
        assertThat(prefix.resolve("lib/shm4j/shm4j.aot")).isRegularFile();
        assertThat(Files.readString(prefix.resolve("share/bash-completion/completions/shm4j"))).contains("complete -F", "shm4j");
        String regions = dir.path().resolve("regions").toString();
        Run put = run(dir.path(), installed.toString(), "--dir", regions, "put", "t", "{\"a\":1}");
        assertThat(put.code()).as(put.err()).isZero();
        // A damaged, then a missing, start-up cache only costs time.
        Files.writeString(prefix.resolve("lib/shm4j/shm4j.aot"), "not a cache");
        Run damaged = run(dir.path(), installed.toString(), "--dir", regions, "get", "t");
        assertThat(damaged).isEqualTo(new Run(0, "{\"a\":1}\n", ""));
        Files.delete(prefix.resolve("lib/shm4j/shm4j.aot"));
        assertThat(run(dir.path(), installed.toString(), "--dir", regions, "get", "t")).isEqualTo(new Run(0, "{\"a\":1}\n", ""));
    }

    /** A prefix that cannot be written (below a regular file: refused even to root): one line, exit 7. */
    @Test
    void installToAPlaceThatCannotBeWrittenSaysSoInOneLine() throws Exception {
        Path file = Files.writeString(dir.path().resolve("file"), "");
        Path prefix = file.resolve("prefix");
        Run install = run(dir.path(), LAUNCHER.toString(), "install", "--prefix", prefix.toString());
        assertThat(install.code()).as(install.err()).isEqualTo(7);
        assertThat(install.out()).isEmpty();
        assertThat(install.err()).isEqualTo("shm4j: install: cannot write " + prefix.resolve("bin")
                + " (Not a directory); choose a --prefix you may write (default: ~/.local)\n");
    }

    @Test
    void putFromATerminalSaysWhatItWaitsFor() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")),
                "skipped: no /usr/bin/script (util-linux) to give put a terminal");
        String regions = dir.path().resolve("regions").toString();
        // script runs the command on a new pseudo-terminal; its own stdin (/dev/null) ends it with EOF.
        Run onTerminal = run(dir.path(), "/usr/bin/script", "-qec", LAUNCHER + " --dir " + regions + " put t", "/dev/null");
        assertThat(onTerminal.out()).contains("shm4j: reading the JSON value for t from standard input; end it with Ctrl-D");
        Run piped = run(dir.path(), LAUNCHER.toString(), "--dir", regions, "put", "t");
        assertThat(piped.err()).doesNotContain("reading the JSON value").contains("standard input is empty");
    }

    private static String javaHome() {
        return System.getProperty("java.home");
    }
}
