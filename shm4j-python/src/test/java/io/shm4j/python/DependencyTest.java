package io.shm4j.python;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's "Use it from your project", followed literally: {@code ./mvnw install} of the library
 * and its BOM, then a throwaway project made of README's {@code pom.xml} and {@code Main.java}
 * built against the installed artifacts and run with the flag README gives; then the same code
 * as a named module, granting native access by module name, and a module that reaches into
 * {@code io.shm4j.internal}, which the compiler must refuse.
 *
 * <p>Both builds use a private local repository ({@code target/it-repo}), so that SNAPSHOT
 * installs never reach the shared one; it reads the build's own local repository as a read-only
 * file repository ({@code settings.xml} below) and Maven Central for anything missing. The
 * install runs on a copy of the build files, not in this working tree, whose target directories
 * the running build is using.
 */
class DependencyTest {
    private static final Path ROOT = PythonPeer.directory().getParent();

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void readmesProjectBuildsAndRunsAgainstTheInstalledArtifacts() throws Exception {
        Path work = dir.path();
        Path repo = Path.of("target", "it-repo").toAbsolutePath(); // kept between runs: downloads once
        Path settings = work.resolve("settings.xml");
        String shared = Path.of(System.getProperty("shm4j.m2.repository")).toUri().toString();
        Files.writeString(settings, """
                <settings>
                  <profiles><profile><id>shared</id>
                    <repositories><repository><id>shared-m2</id><url>%1$s</url></repository></repositories>
                    <pluginRepositories><pluginRepository><id>shared-m2</id><url>%1$s</url></pluginRepository></pluginRepositories>
                  </profile></profiles>
                  <activeProfiles><activeProfile>shared</activeProfile></activeProfiles>
                </settings>
                """.formatted(shared));
        Path copy = copyOfTheBuild(work.resolve("shm4j"));
        String mvnw = copy.resolve("mvnw").toString();

        run(copy, mvnw, "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + repo, "-DskipTests",
                "-pl", "shm4j-bom,shm4j-core", "-am", "install");
        String version = System.getProperty("shm4j.version");
        Path installed = repo.resolve("io/shm4j/shm4j-core").resolve(version);
        for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar", ".pom")) {
            assertThat(installed.resolve("shm4j-core-" + version + suffix)).isRegularFile();
        }
        assertThat(repo.resolve("io/shm4j/shm4j-bom/" + version + "/shm4j-bom-" + version + ".pom")).isRegularFile();

        String readme = Files.readString(ROOT.resolve("README.md"));
        String section = readme.substring(readme.indexOf("## Use it from your project"));
        String pom = block(section, "xml");
        String main = block(section, "java");
        assertThat(pom).contains("<version>" + version + "</version>");
        Path project = work.resolve("app");
        Files.createDirectories(project.resolve("src/main/java/app"));
        Files.writeString(project.resolve("pom.xml"), pom);
        Files.writeString(project.resolve("src/main/java/app/Main.java"), main);
        Path cpFile = work.resolve("classpath.txt");
        run(project, mvnw, "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + repo, "package",
                "org.apache.maven.plugins:maven-dependency-plugin:3.11.0:build-classpath", "-Dmdep.outputFile=" + cpFile);
        String classpath = Files.readString(cpFile).strip();
        assertThat(classpath).contains("shm4j-core-" + version + ".jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String regions = "SHM4J_DIR=" + work.resolve("regions");

        Run onClassPath = run(project, "env", regions, java, "--enable-native-access=ALL-UNNAMED",
                "-cp", project.resolve("target/classes") + ":" + classpath, "app.Main");
        assertThat(onClassPath).isEqualTo(new Run("blue\n", ""));

        // The same code as a named module: native access granted to io.shm4j by name.
        Path modular = work.resolve("modular");
        Files.createDirectories(modular.resolve("src/app"));
        Files.writeString(modular.resolve("src/module-info.java"), "module app { requires io.shm4j; }\n");
        Files.writeString(modular.resolve("src/app/Main.java"), main);
        String javac = Path.of(System.getProperty("java.home"), "bin", "javac").toString();
        run(modular, javac, "-d", "out", "--module-path", classpath, "src/module-info.java", "src/app/Main.java");
        String modulePath = modular.resolve("out") + ":" + classpath;
        assertThat(run(modular, "env", regions, java, "--enable-native-access=io.shm4j", "-p", modulePath, "-m", "app/app.Main"))
                .isEqualTo(new Run("blue\n", ""));
        assertThat(run(modular, "env", regions, java, "-p", modulePath, "-m", "app/app.Main").err())
                .as("without the grant a JDK 25 warns, naming the module").contains("WARNING", "io.shm4j");

        // io.shm4j.internal is exported to the CLI only.
        Files.createDirectories(modular.resolve("src/app/reach"));
        Files.writeString(modular.resolve("src/app/reach/Reach.java"),
                "package app.reach; public class Reach { Object o = io.shm4j.internal.RegionHeader.Kind.RAW; }\n");
        Process refused = new ProcessBuilder(javac, "-d", "out2", "--module-path", classpath, "src/module-info.java",
                "src/app/reach/Reach.java").directory(modular.toFile()).redirectErrorStream(true).start();
        String output = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(refused.waitFor()).as(output).isNotZero();
        assertThat(output).contains("package io.shm4j.internal is not visible");
    }

    /** The repository's build files and shm4j-core's sources, at {@code to}. */
    private static Path copyOfTheBuild(Path to) throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path rel = ROOT.relativize(f);
                String r = rel.toString();
                boolean wanted = r.equals("mvnw") || r.startsWith(".mvn/") || (rel.getNameCount() <= 2 && r.endsWith("pom.xml"))
                        || r.startsWith("shm4j-core/src/main/");
                if (wanted && !r.contains("/target/")) {
                    Files.createDirectories(to.resolve(rel).getParent());
                    Files.copy(f, to.resolve(rel), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    /** The first fenced block of {@code language} in {@code markdown}. */
    private static String block(String markdown, String language) {
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
        assertThat(m.find()).as("a ```%s block in README's section", language).isTrue();
        return m.group(1);
    }

    record Run(String out, String err) {
    }

    private static Run run(Path cwd, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("dependency", ".out");
        Path err = Files.createTempFile("dependency", ".err");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(cwd.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + List.of(command));
            }
            Run r = new Run(Files.readString(out), Files.readString(err));
            assertThat(p.exitValue()).as("%s%n%s%s", List.of(command), r.out(), r.err()).isZero();
            return r;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
