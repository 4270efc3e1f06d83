package io.shm4j.etcd;

import io.shm4j.ContentType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The record stored in etcd: Java's round trip, damage, and the Python reader docs/MIRROR.md gives. */
class MirrorRecordTest {
    @Test
    void recordsRoundTripAndDamageIsRefused() {
        MirrorRecord r = new MirrorRecord(new byte[] {1, 2, 3}, ContentType.RAW, "hôst", 42, 123456789L);
        byte[] bytes = r.encode();
        assertThat(bytes).hasSize(32 + "hôst".getBytes(StandardCharsets.UTF_8).length + 3);
        MirrorRecord back = MirrorRecord.decode(bytes);
        assertThat(back.payload()).containsExactly(1, 2, 3);
        assertThat(back.contentType()).isEqualTo(ContentType.RAW);
        assertThat(back.sourceHost()).isEqualTo("hôst");
        assertThat(back.sourceVersion()).isEqualTo(42);
        assertThat(back.publishTimeNanos()).isEqualTo(123456789L);
        byte[] damaged = bytes.clone();
        damaged[damaged.length - 1] ^= 1;
        assertThatThrownBy(() -> MirrorRecord.decode(damaged)).hasMessageContaining("CRC");
        assertThatThrownBy(() -> MirrorRecord.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1)))
                .hasMessageContaining("where the header says");
        assertThatThrownBy(() -> MirrorRecord.decode("{\"a\":1}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not a shm4j mirror record");
    }

    @Test
    void thePythonReaderInMirrorMdReadsWhatJavaWrites() throws Exception {
        String doc = Files.readString(Path.of(System.getProperty("shm4j.python.dir", "../python"), "..", "docs", "MIRROR.md"));
        Matcher m = Pattern.compile("```python\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertThat(m.find()).as("a python block in docs/MIRROR.md").isTrue();
        byte[] payload = "{\"color\":\"blue\"}".getBytes(StandardCharsets.UTF_8);
        byte[] value = new MirrorRecord(payload, ContentType.JSON, "host-a", 7, 1_700_000_000_123_456_789L).encode();
        String script = m.group(1) + "\nimport sys\nprint(read_record(bytes.fromhex(sys.argv[1])))\n";
        Process p = new ProcessBuilder("python3", "-c", script, HexFormat.of().formatHex(value)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("(1, 'host-a', 7, 1700000000123456789, b'{\"color\":\"blue\"}')");
    }
}
