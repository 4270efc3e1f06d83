package io.shm4j;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Publishing and reading bytes or text does not build Jackson's mapper (its start-up costs tens
 * of milliseconds, e.g. in every {@code shm4j get}): a fresh JVM logs which classes it
 * initialises, and the mapper's appear only once a JSON codec is used.
 */
class ObjectCodecsStartupTest {
    private static final String MAPPER_INIT = "Initializing 'tools/jackson/databind/ObjectMapper'";

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /** Publishes and reads one bytes and one text object, then (with "json") one JSON tree; prints "done". */
    public static final class Peer {
        public static void main(String[] args) throws Exception {
            ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[0]));
            try (var master = SharedObject.master("bytes", ObjectCodecs.bytes(), options);
                 var follower = SharedObject.follower("bytes", ObjectCodecs.bytes(), options)) {
                master.publish("raw".getBytes(StandardCharsets.US_ASCII));
                System.out.println("bytes " + new String(follower.get(), StandardCharsets.US_ASCII));
            }
            try (var master = SharedObject.master("text", ObjectCodecs.text(), options);
                 var follower = SharedObject.follower("text", ObjectCodecs.text(), options)) {
                master.publish("hello");
                System.out.println("text " + follower.get());
            }
            System.out.println("no json yet");
            if (args.length > 1) {
                try (var master = SharedObject.master("json", ObjectCodecs.jsonTree(), options)) {
                    master.publish(ObjectCodecs.jsonTree().decode("{\"a\":1}".getBytes(StandardCharsets.US_ASCII)));
                }
            }
            System.out.println("done");
        }
    }

    private static List<String> run(String... args) throws Exception {
        return ChildJvm.runLoggingClassInit(Peer.class, args);
    }

    @Test
    void bytesAndTextCodecsDoNotBuildTheMapper() throws Exception {
        List<String> lines = run(dir.path().toString());
        assertThat(lines).contains("bytes raw", "text hello", "done");
        assertThat(lines).noneMatch(l -> l.contains(MAPPER_INIT));
    }

    @Test
    void theMapperIsBuiltWhenAJsonCodecIsFirstUsed() throws Exception {
        List<String> lines = run(dir.path().toString(), "json");
        assertThat(lines).contains("done");
        // the probe sees the mapper's initialisation, and only after the bytes and text objects
        assertThat(lines).anyMatch(l -> l.contains(MAPPER_INIT));
        assertThat(lines.indexOf("no json yet")).isLessThan(indexOfFirst(lines, MAPPER_INIT));
    }

    private static int indexOfFirst(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
