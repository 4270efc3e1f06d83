package io.shm4j;

import io.shm4j.testing.SelfCheckingPayload;
import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.ObjectRegionDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SharedObjectFollower#readNewer(SnapshotBuffer)}: the follower's allocation-free read. */
class SnapshotBufferTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions options = dir.options();

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void awaitNewerWaitsWithTheStrategyThenCopiesIntoTheBuffer(WaitStrategy strategy) throws Exception {
        ShmOptions waiting = options.withWaitStrategy(strategy);
        try (var master = SharedObject.master("wait", ObjectCodecs.text(), waiting);
             var follower = SharedObject.follower("wait", ObjectCodecs.bytes(), waiting)) {
            master.publish("one");
            SnapshotBuffer buffer = new SnapshotBuffer(8);
            assertThat(follower.awaitNewer(buffer, Duration.ofSeconds(5))).isTrue(); // version 1 at once
            assertThat(text(buffer)).isEqualTo("one");

            long start = System.nanoTime();
            assertThat(follower.awaitNewer(buffer, Duration.ofMillis(100))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
            assertThat(buffer.version()).isEqualTo(1);

            CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return follower.awaitNewer(buffer, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(50);
            master.publish("a longer second version");

            assertThat(next.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(buffer.version()).isEqualTo(2);
            assertThat(text(buffer)).isEqualTo("a longer second version");
        }
    }

    @Test
    void copiesEachNewVersionOnceWithItsMetadata() throws IOException {
        try (var master = SharedObject.master("buf", ObjectCodecs.text(), options);
             var follower = SharedObject.follower("buf", ObjectCodecs.bytes(), options)) {
            SnapshotBuffer buffer = new SnapshotBuffer(64);
            assertThat(follower.readNewer(buffer)).isFalse(); // nothing published yet
            assertThat(buffer.version()).isZero();
            assertThat(buffer.contentType()).isNull();

            long before = Instant.now().toEpochMilli() * 1_000_000;
            master.publish("first");
            assertThat(follower.readNewer(buffer)).isTrue();
            assertThat(buffer.version()).isEqualTo(1);
            assertThat(buffer.contentType()).isEqualTo(ContentType.TEXT);
            assertThat(buffer.publishTimeNanos()).isBetween(before - 1_000_000_000, Instant.now().toEpochMilli() * 1_000_000 + 1_000_000);
            assertThat(text(buffer)).isEqualTo("first");
            assertThat(follower.readNewer(buffer)).isFalse(); // holds the newest already: unchanged

            master.publish("2nd");
            assertThat(follower.readNewer(buffer)).isTrue();
            assertThat(buffer.version()).isEqualTo(2);
            assertThat(text(buffer)).isEqualTo("2nd");
            assertThat(buffer.toString()).contains("version=2", "length=3", "TEXT");

            buffer.clear();
            assertThat(buffer.version()).isZero();
            assertThat(follower.readNewer(buffer)).isTrue(); // empty again: copies the version it held
            assertThat(text(buffer)).isEqualTo("2nd");
        }
    }

    @Test
    void theArrayIsReusedWhileItFitsAndGrowsWhenAVersionDoesNot() throws IOException {
        try (var master = SharedObject.master("grow", ObjectCodecs.bytes(), options);
             var follower = SharedObject.follower("grow", ObjectCodecs.bytes(), options)) {
            SnapshotBuffer buffer = new SnapshotBuffer(100);
            byte[] initial = buffer.array();
            master.publish(SelfCheckingPayload.create(1, 100));
            follower.readNewer(buffer);
            assertThat(buffer.array()).isSameAs(initial);
            assertThat(valid(buffer)).isTrue();

            master.publish(SelfCheckingPayload.create(2, 101));
            follower.readNewer(buffer);
            byte[] grown = buffer.array();
            assertThat(grown).isNotSameAs(initial).hasSize(150); // 1.5 times, at least the payload
            assertThat(valid(buffer)).isTrue();

            master.publish(SelfCheckingPayload.create(3, 20));
            follower.readNewer(buffer);
            assertThat(buffer.array()).isSameAs(grown);
            assertThat(buffer.length()).isEqualTo(20);
            assertThat(valid(buffer)).isTrue();

            // beyond the region's first capacity: the master grows the file, the follower follows
            master.publish(SelfCheckingPayload.create(4, 1 << 20));
            assertThat(follower.readNewer(buffer)).isTrue();
            assertThat(buffer.version()).isEqualTo(4);
            assertThat(buffer.array()).hasSize(1 << 20);
            assertThat(valid(buffer)).isTrue();
        }
    }

    @Test
    void anEmptyBufferGrowsOnItsFirstRead() throws IOException {
        try (var master = SharedObject.master("empty", ObjectCodecs.bytes(), options);
             var follower = SharedObject.follower("empty", ObjectCodecs.bytes(), options)) {
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(buffer.array()).isEmpty();
            assertThat(buffer.toString()).contains("empty");
            master.publish(new byte[0]);
            assertThat(follower.readNewer(buffer)).isTrue();
            assertThat(buffer.length()).isZero();
            master.publish(SelfCheckingPayload.create(5, 5000));
            assertThat(follower.readNewer(buffer)).isTrue();
            assertThat(valid(buffer)).isTrue();
        }
        assertThatThrownBy(() -> new SnapshotBuffer(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aVersionIsCopiedWithoutAllocating() throws IOException {
        try (var master = SharedObject.master("alloc", ObjectCodecs.bytes(), options);
             var follower = SharedObject.follower("alloc", ObjectCodecs.bytes(), options)) {
            master.publish(SelfCheckingPayload.create(1, 1024));
            SnapshotBuffer buffer = new SnapshotBuffer(1024);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            int copies = 0;
            long least = Long.MAX_VALUE;
            for (int round = 0; round < 20; round++) {
                long allocated = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100; i++) {
                    buffer.clear();
                    copies += follower.readNewer(buffer) ? 1 : 0;
                }
                least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - allocated);
            }
            // The JVM allocates now and then while it links and compiles; a round of 100 copies of
            // 1 KiB allocating nothing shows the reads themselves do not.
            assertThat(least).isZero();
            assertThat(copies).isEqualTo(2000);
            assertThat(buffer.version()).isEqualTo(1);
            assertThat(valid(buffer)).isTrue();
        }
    }

    @Test
    void aCorruptSlotLeavesTheBufferEmptyNeverPartlyWritten() throws IOException {
        try (var good = SharedObject.master("good", ObjectCodecs.text(), options);
             var bad = SharedObject.master("bad", ObjectCodecs.text(), options)) {
            good.publish("whole");
            bad.publish("first");
            bad.publish("will be damaged"); // version 2, slot 0
        }
        long slot0 = ObjectRegionDescriptor.slotOffset(ObjectRegionDescriptor.MIN_SLOT_CAPACITY, 0);
        try (FileChannel ch = FileChannel.open(dir.path().resolve("bad"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("BAD!".getBytes(StandardCharsets.US_ASCII)), slot0 + ObjectRegionDescriptor.SLOT_HEADER_LENGTH);
        }
        try (var good = SharedObject.follower("good", String.class, options);
             var bad = SharedObject.follower("bad", String.class, options)) {
            SnapshotBuffer buffer = new SnapshotBuffer();
            good.readNewer(buffer);
            assertThat(text(buffer)).isEqualTo("whole");
            assertThatThrownBy(() -> bad.readNewer(buffer))
                    .isInstanceOf(CorruptRegionException.class).hasMessageContaining("region bad").hasMessageContaining("CRC-32 mismatch");
            assertThat(buffer.version()).isZero();
            assertThat(buffer.length()).isZero();
            assertThat(buffer.contentType()).isNull();
            assertThat(good.readNewer(buffer)).isTrue(); // empty, so the next read copies
            assertThat(text(buffer)).isEqualTo("whole");
        }
    }

    @Test
    void aClosedFollowerSaysSo() throws IOException {
        try (var master = SharedObject.master("closed", ObjectCodecs.text(), options)) {
            master.publish("x");
            var follower = SharedObject.follower("closed", String.class, options);
            follower.close();
            assertThatThrownBy(() -> follower.readNewer(new SnapshotBuffer()))
                    .isInstanceOf(IllegalStateException.class).hasMessage("region closed is closed");
        }
    }

    @Test
    void getDecodesJsonAndTextInPlaceAndGivesRawBytesAnArrayOfTheirOwn() throws IOException {
        try (var master = SharedObject.master("get", ObjectCodecs.bytes(ContentType.JSON), options);
             var tree = SharedObject.follower("get", JsonNode.class, options);
             var text = SharedObject.follower("get", String.class, options);
             var raw = SharedObject.follower("get", byte[].class, options)) {
            byte[] longer = "{\"a\":\"a long value that leaves bytes behind\"}".getBytes(StandardCharsets.UTF_8);
            master.publish(longer);
            assertThat(tree.get().get("a").asString()).startsWith("a long");
            assertThat(text.get()).hasSize(longer.length);
            byte[] first = raw.get();
            master.publish("{\"b\":1}".getBytes(StandardCharsets.UTF_8)); // shorter: decoded from the buffer's first bytes only
            assertThat(tree.get().toString()).isEqualTo("{\"b\":1}");
            assertThat(text.get()).isEqualTo("{\"b\":1}");
            assertThat(raw.get()).isNotSameAs(first).hasSize(7);
            assertThat(first).isEqualTo(longer); // not overwritten by the next version
        }
    }

    @Test
    void aCustomCodecDecodesTheExactPayload() throws IOException {
        ObjectCodec<Integer> lengths = new ObjectCodec<>() {
            @Override
            public ContentType contentType() {
                return ContentType.RAW;
            }

            @Override
            public byte[] encode(Integer value) {
                return new byte[value];
            }

            @Override
            public Integer decode(byte[] payload) {
                return payload.length;
            }
        };
        try (var master = SharedObject.master("len", lengths, options);
             var follower = SharedObject.follower("len", lengths, options)) {
            master.publish(500);
            assertThat(follower.get()).isEqualTo(500);
            master.publish(7);
            assertThat(follower.get()).isEqualTo(7);
        }
    }

    private static String text(SnapshotBuffer buffer) {
        return new String(buffer.array(), 0, buffer.length(), StandardCharsets.UTF_8);
    }

    private static boolean valid(SnapshotBuffer buffer) {
        return SelfCheckingPayload.isValid(Arrays.copyOf(buffer.array(), buffer.length()));
    }
}
