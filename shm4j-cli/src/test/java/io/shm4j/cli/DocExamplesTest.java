package io.shm4j.cli;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command line README.md and docs/CLI.md show (in {@code sh} blocks, and {@code $ shm4j}
 * lines with their output) is run here, in the order shown, on a private directory: it must
 * succeed, print what a {@code # "comment"} or the shown output says, and a new example fails
 * this test until it runs here. A few run elsewhere, named in {@link #ELSEWHERE}.
 */
class DocExamplesTest {
    /** Examples a test of their own runs, because they build, install or take minutes. */
    private static final Map<String, String> ELSEWHERE = Map.of(
            "./mvnw verify", "CI (.ci/run)",
            "./mvnw install -DskipTests", "shm4j-python DependencyTest",
            "./shm4j install", "shm4j-python LauncherTest",
            "./shm4j install [--prefix DIR]", "shm4j-python LauncherTest",
            "./shm4j bench --quick", "shm4j-bench HarnessSmokeTest (the harness); BenchCommand runs its jar",
            "./shm4j mirror push config --etcd http://etcd:2379", "shm4j-etcd MirrorProcessTest (needs etcd)");

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /** The examples of {@code doc}: command, then the output shown below a {@code $} line, or a {@code #} comment. */
    static Map<String, List<String>> examples(Path doc) throws Exception {
        Map<String, List<String>> found = new LinkedHashMap<>();
        List<List<String>> blocks = new ArrayList<>(); // the lines of each fenced block; "sh" blocks start with "#sh"
        List<String> current = null;
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("```")) {
                if (current == null) {
                    current = new ArrayList<>();
                    current.add(line.equals("```sh") ? "#sh" : "#" + line.substring(3));
                } else {
                    blocks.add(current);
                    current = null;
                }
            } else if (current != null) {
                current.add(line);
            }
        }
        for (List<String> lines : blocks) {
            boolean shell = lines.getFirst().equals("#sh");
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("$ shm4j ")) {
                    List<String> output = new ArrayList<>();
                    for (int j = i + 1; j < lines.size() && !lines.get(j).startsWith("$ "); j++) {
                        output.add(lines.get(j));
                    }
                    found.put(line.substring(2), output);
                } else if (shell && !line.isBlank()) {
                    String command = line.replaceAll("\\s+#.*$", "").strip();
                    String comment = line.contains(" # ") ? line.substring(line.indexOf(" # ") + 3).strip() : null;
                    for (String part : command.split(";")) {
                        found.put(part.strip(), comment == null ? null : List.of(comment));
                    }
                }
            }
        }
        return found;
    }

    @Test
    void everyExampleOfReadmeAndCliReferenceRuns() throws Exception {
        Map<String, List<String>> all = new LinkedHashMap<>(examples(Path.of("../README.md")));
        all.putAll(examples(Path.of("../docs/CLI.md")));
        Files.writeString(dir.path().resolve("config.json"), "{\"color\":\"blue\"}");
        List<String> ran = new ArrayList<>();
        for (var e : all.entrySet()) {
            String example = e.getKey();
            if (ELSEWHERE.containsKey(example)) {
                continue;
            }
            assertThat(example).as("an example of the shm4j command").matches("(\\./)?shm4j .*");
            List<String> args = new ArrayList<>(List.of(example.replaceFirst("^(\\./)?shm4j ", "").split(" +")));
            args.replaceAll(a -> a.replaceAll("^'(.*)'$", "$1").replace("config.json", dir.path().resolve("config.json").toString()));
            CliRun r = switch (args.getFirst()) {
                case "watch" -> run(append(args, "--count", "1"));
                case "serve" -> serveOnce(args);
                case "dump" -> dump(args, e.getValue());
                default -> run(args);
            };
            assertThat(r.code()).as("%s: %s", example, r.err()).isZero();
            List<String> shown = e.getValue();
            if (shown != null && !shown.isEmpty() && shown.getFirst().startsWith("\"")) {
                assertThat(r.out().strip()).as(example).isEqualTo(shown.getFirst()); // # "blue"
            } else if (shown != null && example.equals("shm4j ls")) {
                assertThat(r.out().lines().findFirst()).as(example).contains(shown.getFirst());
            } else if (shown != null && example.startsWith("shm4j dump")) {
                assertThat(r.out().lines().toList()).as(example).isEqualTo(shown);
            }
            ran.add(example);
        }
        System.out.println("DocExamplesTest ran " + ran);
        assertThat(ran).contains("./shm4j demo", "./shm4j put config '{\"color\":\"blue\"}'", "shm4j ls",
                "shm4j dump demo-regions --length 32");
    }

    private CliRun run(List<String> args) {
        return CliRun.in(dir.path(), args.toArray(String[]::new));
    }

    private static List<String> append(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /** serve runs until interrupted: once its first version is published, interrupt it. */
    private CliRun serveOnce(List<String> args) throws Exception {
        String tag = args.get(1);
        long before = versionOf(tag);
        CliRun[] result = new CliRun[1];
        Thread serve = new Thread(() -> result[0] = run(args));
        serve.start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (versionOf(tag) == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        serve.interrupt();
        serve.join(60_000);
        assertThat(versionOf(tag)).isGreaterThan(before);
        return new CliRun(result[0].code() == ExitCodes.INTERRUPTED ? 0 : result[0].code(), result[0].out(), result[0].err());
    }

    private long versionOf(String tag) {
        CliRun meta = CliRun.in(dir.path(), "get", tag, "--meta");
        Matcher m = Pattern.compile("\"version\":(\\d+)").matcher(meta.out());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The region the shown dump prints, made from its hex columns, then dumped. */
    private CliRun dump(List<String> args, List<String> shown) throws Exception {
        if (shown != null) {
            StringBuilder hex = new StringBuilder();
            for (String line : shown) {
                hex.append(line.substring(10, 49).replace(" ", ""));
            }
            byte[] bytes = HexFormat.of().parseHex(hex);
            try (var region = io.shm4j.MappedRegion.create(args.get(1), 4096, dir.options())) {
                region.write(bytes);
            }
        }
        return run(args);
    }
}
