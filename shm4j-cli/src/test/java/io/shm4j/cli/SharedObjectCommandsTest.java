package io.shm4j.cli;

import io.shm4j.testing.ChildJvm;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** put / get / watch / serve / inspect / demo objects, with a private region directory. */
class SharedObjectCommandsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private CliRun run(String... args) {
        return CliRun.in(dir.path(), args);
    }

    private ChildJvm cli(String... args) throws IOException {
        List<String> all = new java.util.ArrayList<>(List.of("--dir", dir.path().toString()));
        all.addAll(List.of(args));
        return ChildJvm.start(Main.class, all.toArray(String[]::new));
    }

    @Test
    void putThenGetWithPointerPrettyAndMeta() {
        assertThat(run("put", "cfg", "{\"db\":{\"host\":\"h1\",\"port\":5432},\"on\":true}").out())
                .isEqualTo("published cfg version 1\n");
        assertThat(run("get", "cfg").out()).isEqualTo("{\"db\":{\"host\":\"h1\",\"port\":5432},\"on\":true}\n");
        assertThat(run("get", "cfg", "--pointer", "/db/host").out()).isEqualTo("\"h1\"\n");
        assertThat(run("get", "cfg", "--pointer", "/db", "--pretty").out()).contains("\n  \"host\" : \"h1\",\n");
        String meta = run("get", "cfg", "--meta").out();
        // the last master was this JVM (put ran in-process), and it is still running
        assertThat(meta).contains("\"tag\":\"cfg\"", "\"version\":1", "\"size\":42", "\"contentType\":\"JSON\"",
                "\"masterPid\":" + ProcessHandle.current().pid(), "\"masterAlive\":true", "\"generation\":1");
        assertThat(run("put", "cfg", "[1,2]").out()).isEqualTo("published cfg version 2\n");
        assertThat(run("get", "cfg").out()).isEqualTo("[1,2]\n");
    }

    @Test
    void badInputIsOneLineWithItsExitCodeAndKeepsTheLastVersion() {
        run("put", "cfg", "{\"a\":1}");
        CliRun invalid = run("put", "cfg", "{\"a\":");
        assertThat(invalid.code()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(invalid.errLines()).singleElement().asString()
                .startsWith("shm4j: the JSON argument is not valid JSON").endsWith("nothing was published");
        assertThat(run("get", "cfg").out()).isEqualTo("{\"a\":1}\n");

        CliRun missing = run("get", "nope");
        assertThat(missing.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.errLines()).singleElement().asString().contains("no region 'nope'");

        CliRun pointer = run("get", "cfg", "--pointer", "/b");
        assertThat(pointer.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(pointer.errLines()).containsExactly("shm4j: no value at /b in region cfg version 1");

        CliRun badTag = run("put", "../x", "1");
        assertThat(badTag.code()).isEqualTo(ExitCodes.INVALID_INPUT);
    }

    @Test
    void putWhileAMasterRunsIsRefusedNamingItsPid() throws Exception {
        try (var master = SharedObject.master("held", dir.options())) {
            master.publish(1);
            CliRun refused = run("put", "held", "2");
            assertThat(refused.code()).isEqualTo(ExitCodes.MASTER_CONFLICT);
            assertThat(refused.errLines()).singleElement().asString()
                    .contains("region held already has a master (pid " + ProcessHandle.current().pid() + ")");
            assertThat(master.version()).isEqualTo(1);
        }
    }

    @Test
    void notAnObjectRegionIsCorrupt() throws IOException {
        Files.write(dir.path().resolve("raw"), new byte[4096]);
        CliRun r = run("get", "raw");
        assertThat(r.code()).isEqualTo(ExitCodes.CORRUPT_REGION);
        assertThat(r.errLines()).singleElement().asString().contains("not a shm4j object region");
    }

    @Test
    void inspectShowsHeaderAndBothSlots() {
        run("put", "cfg", "{\"a\":1}");
        run("put", "cfg", "{\"a\":2}");
        String out = run("inspect", "cfg").out();
        assertThat(out).contains("committed     2 (slot 0)", "flags         -", "generation    2")
                .contains("slot 0        seq 2, version 2, length 7, JSON")
                .contains("slot 1        seq 2, version 1, length 7, JSON")
                .containsPattern("crc32 [0-9a-f]{8} \\(ok\\)");
    }

    @Test
    void watchPrintsOneJsonLinePerVersion() throws Exception {
        run("put", "w", "{\"n\":0}");
        try (ChildJvm watch = cli("watch", "w")) {
            assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"w\",\"version\":1,\"value\":{\"n\":0}}");
            try (var master = SharedObject.master("w", ObjectCodecs.text(), dir.options())) {
                master.publish("plain text");
                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"w\",\"version\":2,\"value\":\"plain text\"}");
            }
        }
    }

    @Test
    void serveRepublishesOnChangeAndKeepsTheLastGoodVersionOnInvalidJson() throws Exception {
        Path config = dir.path().resolve("config.json");
        Files.writeString(config, "{\"v\":1}");
        try (ChildJvm serve = cli("serve", "srv", "--file", config.toString())) {
            assertThat(serve.awaitLine("serving", TIMEOUT)).endsWith("as srv: version 1");
            Files.writeString(config, "{\"v\":2}");
            assertThat(serve.awaitLine("version", TIMEOUT)).isEqualTo("version 2");
            Files.writeString(config, "{\"v\":"); // invalid: reported on stderr, version 2 stays
            Thread.sleep(1500);
            assertThat(run("get", "srv").out()).isEqualTo("{\"v\":2}\n");
            Path tmp = dir.path().resolve("config.json.tmp");
            Files.writeString(tmp, "{\"v\":3}");
            Files.move(tmp, config, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // how editors save
            assertThat(serve.awaitLine("version", TIMEOUT)).isEqualTo("version 3");
            CliRun refused = run("put", "srv", "{}");
            assertThat(refused.code()).isEqualTo(ExitCodes.MASTER_CONFLICT);
            assertThat(refused.err()).contains("pid " + serve.pid());
        }
    }

    @Test
    void objectsDemoRunsMasterAndFollowersAndCleansUp() throws Exception {
        try (ChildJvm demo = cli("demo", "objects", "--followers", "2", "--seconds", "2")) {
            assertThat(demo.waitFor(TIMEOUT)).as("output %s", demo.output()).isZero();
            String text = String.join("\n", demo.output());
            assertThat(text).contains("[master, pid", "published v1", "done;")
                    .containsPattern("\\[follower 1, pid \\d+\\] saw \\d+ versions, every one whole; last v\\d+")
                    .containsPattern("\\[follower 2, pid \\d+\\] saw \\d+ versions, every one whole; last v\\d+")
                    .contains("Region removed.");
        }
        try (var left = Files.list(dir.path())) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void watchFollowsSeveralTagsAndWaitsForOnesNotCreatedYet() throws Exception {
        run("put", "a", "1");
        try (ChildJvm watch = cli("watch", "a", "later")) {
            assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"a\",\"version\":1,\"value\":1}");
            run("put", "later", "\"x\"");
            assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"later\",\"version\":1,\"value\":\"x\"}");
            run("put", "a", "2");
            assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"a\",\"version\":2,\"value\":2}");
        }
    }

    @Test
    void getWaitsForCreationOnlyWhenAsked() throws Exception {
        assertThat(run("get", "soon").code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run("get", "soon", "--wait", "200ms").code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run("get", "soon", "--wait", "ten").code()).isEqualTo(ExitCodes.USAGE);
        try (ChildJvm get = cli("get", "soon", "--wait", "60s")) {
            Thread.sleep(200);
            run("put", "soon", "{\"ok\":true}");
            assertThat(get.nextLine(TIMEOUT)).isEqualTo("{\"ok\":true}");
            assertThat(get.waitFor(TIMEOUT)).isZero();
        }
    }

    @Test
    void followersListsAndPutAwaitSeenNamesThoseThatDidNotRead() throws Exception {
        run("put", "cfg", "1");
        assertThat(run("followers", "cfg").out()).isEqualTo("no registered followers" + System.lineSeparator());
        try (var follower = SharedObject.follower("cfg", ObjectCodecs.text(), dir.options().withFollowerName("slow-reader"))) {
            follower.snapshot();
            CliRun table = run("followers", "cfg");
            assertThat(table.code()).isZero();
            assertThat(table.out()).contains("PID", "slow-reader", "java", ProcessHandle.current().pid() + " ");
            assertThat(run("followers", "cfg", "--json").out()).contains("\"name\":\"slow-reader\"", "\"versionSeen\":1");
            assertThat(run("inspect", "cfg").out()).contains("followers", "slow-reader");

            CliRun late = run("put", "cfg", "2", "--await-seen", "300ms");
            assertThat(late.code()).isEqualTo(ExitCodes.NOT_SEEN);
            assertThat(late.out()).contains("published cfg version 2");
            assertThat(late.errLines()).singleElement().asString()
                    .contains("version 2 was published, but 1 live follower(s) had not read it",
                            "pid " + ProcessHandle.current().pid() + " (java slow-reader, at version 1");
            follower.snapshot();
            assertThat(run("put", "cfg", "3", "--await-seen", "200ms").code()).isEqualTo(ExitCodes.NOT_SEEN);
        }
        assertThat(run("put", "cfg", "4", "--await-seen", "10s").code()).as("nobody follows").isZero();
    }
}
