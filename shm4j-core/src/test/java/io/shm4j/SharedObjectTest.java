package io.shm4j;

import io.shm4j.testing.SelfCheckingPayload;
import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.ObjectRegionDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedObjectTest {
    record Config(String color, int threads, List<String> hosts) {
    }

    public static final class Exploding {
        public int getValue() {
            throw new IllegalStateException("boom");
        }
    }

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions options = dir.options();

    @Test
    void publishBytesStoresThePayloadAndContentTypeAsGivenAndCurrentDecodesIt() throws IOException {
        try (var master = SharedObject.master("relay", ObjectCodecs.jsonTree(), options);
             var raw = SharedObject.follower("relay", byte[].class, options)) {
            master.publish(ObjectCodecs.jsonTree().decode("{\"a\":1}".getBytes()));
            assertThat(master.publishBytes(ContentType.TEXT, "plain".getBytes())).isEqualTo(2);
            Snapshot text = raw.snapshot();
            assertThat(text.contentType()).isEqualTo(ContentType.TEXT);
            assertThat(text.text()).isEqualTo("plain");
            assertThat(master.publishBytes(ContentType.JSON, "{\"b\":2}".getBytes())).isEqualTo(3);
            assertThat(raw.snapshot().contentType()).isEqualTo(ContentType.JSON);
            assertThat(master.current().get("b").asInt()).isEqualTo(2);
        }
        ShmOptions small = options.withMaxObjectSize(4);
        try (var master = SharedObject.master("relay", ObjectCodecs.bytes(), small)) {
            assertThatThrownBy(() -> master.publishBytes(ContentType.RAW, new byte[5]))
                    .isInstanceOf(ObjectTooLargeException.class).hasMessageContaining("relay");
            assertThat(master.version()).isEqualTo(3);
        }
    }

    @Test
    void followerSeesEachPublishedVersionAsTypedRecordTreeTextAndBytes() throws IOException {
        try (var master = SharedObject.master("cfg", ObjectCodecs.json(Config.class), options);
             var typed = SharedObject.follower("cfg", Config.class, options);
             var tree = SharedObject.follower("cfg", JsonNode.class, options);
             var text = SharedObject.follower("cfg", String.class, options);
             var raw = SharedObject.follower("cfg", byte[].class, options)) {
            assertThat(typed.get()).isNull();
            assertThat(typed.snapshot()).isNull();
            assertThat(typed.version()).isZero();

            Config first = new Config("blue", 3, List.of("a", "b"));
            assertThat(master.publish(first)).isEqualTo(1);
            assertThat(typed.get()).isEqualTo(first);
            assertThat(tree.get().get("color").asString()).isEqualTo("blue");
            assertThat(text.get()).isEqualTo("{\"color\":\"blue\",\"threads\":3,\"hosts\":[\"a\",\"b\"]}");
            assertThat(new String(raw.get())).isEqualTo(text.get());

            assertThat(master.update(c -> new Config(c.color(), c.threads() + 1, c.hosts()))).isEqualTo(2);
            assertThat(typed.get().threads()).isEqualTo(4);
            assertThat(typed.hasNewer(1)).isTrue();
            assertThat(typed.hasNewer(2)).isFalse();
            Snapshot s = typed.snapshot();
            assertThat(s.version()).isEqualTo(2);
            assertThat(s.contentType()).isEqualTo(ContentType.JSON);
            assertThat(s.publishTime()).isBetween(java.time.Instant.now().minusSeconds(60), java.time.Instant.now());
        }
    }

    @Test
    void preEncodedJsonBytesArePublishedAsTheyAreAndReadAsJson() throws IOException {
        try (var master = SharedObject.master("pre", ObjectCodecs.bytes(ContentType.JSON), options);
             var follower = SharedObject.follower("pre", JsonNode.class, options)) {
            byte[] json = "{\"serialized\":\"elsewhere\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            master.publish(json);
            assertThat(follower.get().get("serialized").asString()).isEqualTo("elsewhere");
            assertThat(follower.snapshot().contentType()).isEqualTo(ContentType.JSON);
            assertThat(follower.snapshot().bytes()).isEqualTo(json);
        }
    }

    @Test
    void getReturnsTheCachedObjectWhileTheVersionIsUnchanged() throws IOException {
        try (var master = SharedObject.master("cache", options);
             var follower = SharedObject.follower("cache", JsonNode.class, options)) {
            master.publish(Map.of("a", 1));
            JsonNode first = follower.get();
            assertThat(follower.get()).isSameAs(first);
            assertThat(follower.snapshot()).isSameAs(follower.snapshot());
            master.publish(Map.of("a", 2));
            assertThat(follower.get()).isNotSameAs(first);
            assertThat(follower.get().get("a").asInt()).isEqualTo(2);
        }
    }

    @Test
    void secondMasterInTheSameProcessIsRefusedNamingThisPid() throws IOException {
        try (var master = SharedObject.master("one", options)) {
            assertThatThrownBy(() -> SharedObject.master("one", options))
                    .isInstanceOf(MasterConflictException.class)
                    .hasMessageContaining("region one")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid());
            master.publish("still the master");
            assertThat(master.version()).isEqualTo(1);
        }
        try (var again = SharedObject.master("one", options)) {
            assertThat(again.version()).isEqualTo(1);
        }
    }

    @Test
    void newMasterResumesVersionsAndCurrent() throws IOException {
        try (var master = SharedObject.master("resume", ObjectCodecs.json(Config.class), options)) {
            master.publish(new Config("red", 1, List.of()));
            master.publish(new Config("green", 2, List.of()));
        }
        try (var master = SharedObject.master("resume", ObjectCodecs.json(Config.class), options)) {
            assertThat(master.version()).isEqualTo(2);
            assertThat(master.current()).isEqualTo(new Config("green", 2, List.of()));
            assertThat(master.update(c -> new Config("blue", c.threads(), c.hosts()))).isEqualTo(3);
        }
    }

    @Test
    void growthReplacesTheFileAndFollowersMoveToItWithoutMissingTheVersion() throws IOException {
        try (var master = SharedObject.master("grow", ObjectCodecs.bytes(), options);
             var follower = SharedObject.follower("grow", ObjectCodecs.bytes(), options)) {
            master.publish(SelfCheckingPayload.create(1, 100));
            assertThat(follower.get()).hasSize(100);
            Object before = Files.readAttributes(dir.path().resolve("grow"), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            for (int size = 5_000; size <= 3_000_000; size *= 3) {
                long v = master.publish(SelfCheckingPayload.create(size, size));
                Snapshot s = follower.snapshot();
                assertThat(s.version()).isEqualTo(v);
                assertThat(s.length()).isEqualTo(size);
                assertThat(SelfCheckingPayload.isValid(s.bytes())).isTrue();
            }
            Object after = Files.readAttributes(dir.path().resolve("grow"), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            assertThat(after).isNotEqualTo(before);
            assertThat(Files.size(dir.path().resolve("grow"))).isGreaterThan(2 * 1_215_000);
            try (var files = Files.list(dir.path())) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("grow", "grow~sleepers", "grow~followers");
            }
            // the master still holds the lock on the new file
            assertThatThrownBy(() -> SharedObject.master("grow", options)).isInstanceOf(MasterConflictException.class);
        }
    }

    @Test
    void objectOverTheLimitIsRefusedAndTheLastVersionStays() throws IOException {
        try (var master = SharedObject.master("limit", ObjectCodecs.bytes(), options.withMaxObjectSize(1000));
             var follower = SharedObject.follower("limit", ObjectCodecs.bytes(), options)) {
            master.publish(new byte[1000]);
            assertThatThrownBy(() -> master.publish(new byte[1001]))
                    .isInstanceOf(ObjectTooLargeException.class)
                    .hasMessageContaining("region limit").hasMessageContaining("1001").hasMessageContaining("1000");
            assertThat(follower.version()).isEqualTo(1);
            assertThat(follower.get()).hasSize(1000);
        }
    }

    @Test
    void nonSerializableObjectIsRefusedAndTheLastVersionStays() throws IOException {
        try (var master = SharedObject.master("ser", options);
             var follower = SharedObject.follower("ser", JsonNode.class, options)) {
            master.publish(Map.of("ok", true));
            assertThatThrownBy(() -> master.publish(new Exploding()))
                    .isInstanceOf(CodecException.class).hasMessageContaining("cannot encode " + Exploding.class.getName());
            assertThat(follower.get().get("ok").asBoolean()).isTrue();
            assertThat(master.version()).isEqualTo(1);
        }
    }

    @Test
    void payloadThatIsNotValidForTheTypeIsAClearError() throws IOException {
        try (var master = SharedObject.master("text", ObjectCodecs.text(), options);
             var typed = SharedObject.follower("text", Config.class, options);
             var tree = SharedObject.follower("text", JsonNode.class, options)) { // decodes in place: the other path
            master.publish("not json {");
            assertThatThrownBy(typed::get).isInstanceOf(CodecException.class)
                    .hasMessageStartingWith("region text version 1: ").hasMessageContaining("not a valid JSON Config")
                    .hasMessageEndingWith("its master must publish a valid value");
            assertThatThrownBy(tree::get).isInstanceOf(CodecException.class)
                    .hasMessageStartingWith("region text version 1: ").hasMessageContaining("not a valid JSON");
        }
    }

    @Test
    void missingRegionAndBadTagAreClearErrors() {
        assertThatThrownBy(() -> SharedObject.follower("nope", JsonNode.class, options))
                .isInstanceOf(RegionNotFoundException.class).hasMessageContaining("no region 'nope'");
        assertThatThrownBy(() -> SharedObject.follower("../etc", JsonNode.class, options))
                .isInstanceOf(InvalidTagException.class).hasMessageContaining("A-Z a-z 0-9");
        assertThatThrownBy(() -> SharedObject.master("a/b", options)).isInstanceOf(InvalidTagException.class);
    }

    @Test
    void closedFollowerAndMasterSayWhichRegionIsClosed() throws IOException {
        var master = SharedObject.master("closed", options);
        var follower = SharedObject.follower("closed", JsonNode.class, options);
        master.publish(Map.of("x", 1));
        follower.get();
        follower.close();
        master.close();
        assertThatThrownBy(follower::get).isInstanceOf(IllegalStateException.class).hasMessage("region closed is closed");
        assertThatThrownBy(() -> master.publish(1)).isInstanceOf(IllegalStateException.class).hasMessage("region closed is closed");
    }

    @Test
    void anInterruptedThreadCanFollowAndGrowAndLeavesTheMasterUsable() throws IOException {
        try (var master = SharedObject.master("intr", byte[].class, options)) {
            master.publish(new byte[10]);
            Thread.currentThread().interrupt();
            try (var follower = SharedObject.follower("intr", byte[].class, options)) {
                assertThat(follower.get()).hasSize(10);
                assertThat(master.publish(new byte[100_000])).isEqualTo(2); // grows the region
                assertThat(follower.get()).hasSize(100_000);               // follows it to the new file
            }
            assertThat(Thread.interrupted()).isTrue();
            assertThat(master.publish(new byte[1_000_000])).isEqualTo(3);
            try (var follower = SharedObject.follower("intr", byte[].class, options)) {
                assertThat(follower.get()).hasSize(1_000_000);
            }
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aFollowerAndAMasterOpenedOnAnInterruptedThreadUseTheRegistryAndSleep() throws IOException {
        Thread.currentThread().interrupt();
        try (var master = SharedObject.master("intr", byte[].class, options);
             var follower = SharedObject.follower("intr", byte[].class, options)) {
            assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
            master.publish(new byte[10]);
            assertThat(follower.get()).hasSize(10);
            assertThat(master.followers()).as("registered").extracting(FollowerInfo::versionSeen).containsExactly(1L);
            assertThat(follower.waitStrategy()).as("with a sleepers file").isEqualTo(WaitStrategy.SPIN_THEN_BLOCK);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void loadOnceRunsTheLoaderOnlyForTheFirstCaller() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        String first = SharedObject.loadOnce("once", ObjectCodecs.text(), options, () -> "v" + calls.incrementAndGet());
        String second = SharedObject.loadOnce("once", ObjectCodecs.text(), options, () -> "v" + calls.incrementAndGet());
        assertThat(first).isEqualTo("v1");
        assertThat(second).isEqualTo("v1");
        assertThat(calls).hasValue(1);
    }

    @Test
    void loaderFailurePublishesNothingAndTheNextCallerLoads() throws IOException {
        assertThatThrownBy(() -> SharedObject.loadOnce("fail", ObjectCodecs.text(), options, () -> {
            throw new IllegalStateException("database down");
        })).hasMessage("database down");
        assertThat(SharedObject.loadOnce("fail", ObjectCodecs.text(), options, () -> "ok")).isEqualTo("ok");
    }

    // ---- bad files: a clear CorruptRegionException, never data ----

    private Path validRegion(String tag) throws IOException {
        try (var master = SharedObject.master(tag, ObjectCodecs.text(), options)) {
            master.publish("good");
        }
        return dir.path().resolve(tag);
    }

    private static void patch(Path file, long offset, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(bytes, offset);
        }
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void badMagicIsRefused() throws IOException {
        Path f = validRegion("magic");
        patch(f, 0, ByteBuffer.wrap("NOTSHM4J".getBytes()));
        assertThatThrownBy(() -> SharedObject.follower("magic", String.class, options))
                .isInstanceOf(CorruptRegionException.class).hasMessageContaining("region magic").hasMessageContaining("bad magic");
        assertThatThrownBy(() -> SharedObject.master("magic", options))
                .isInstanceOf(CorruptRegionException.class).hasMessageContaining("bad magic");
        assertThat(Files.readAllBytes(f)).startsWith("NOTSHM4J".getBytes()); // nothing overwritten
    }

    @Test
    void unknownFormatVersionIsRefused() throws IOException {
        Path f = validRegion("version");
        patch(f, ObjectRegionDescriptor.FORMAT_VERSION_OFFSET, le(4).putInt(0, 2));
        assertThatThrownBy(() -> SharedObject.follower("version", String.class, options))
                .isInstanceOf(CorruptRegionException.class).hasMessageContaining("format version 2");
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        Path f = validRegion("short");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(2000);
        }
        assertThatThrownBy(() -> SharedObject.follower("short", String.class, options))
                .isInstanceOf(CorruptRegionException.class).hasMessageContaining("truncated");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(50);
        }
        assertThatThrownBy(() -> SharedObject.follower("short", String.class, options))
                .isInstanceOf(CorruptRegionException.class).hasMessageContaining("shorter than the 128-byte header");
        Files.write(dir.path().resolve("empty"), new byte[0]);
        assertThatThrownBy(() -> SharedObject.follower("empty", String.class, options))
                .isInstanceOf(CorruptRegionException.class).hasMessageContaining("truncated");
    }

    @Test
    void headerFieldsOutOfRangeAreRefused() throws IOException {
        Path f = validRegion("range");
        patch(f, ObjectRegionDescriptor.SLOT_CAPACITY_OFFSET, le(8).putLong(0, 1000));
        assertThatThrownBy(() -> SharedObject.follower("range", String.class, options))
                .isInstanceOf(CorruptRegionException.class).hasMessageContaining("out of range");
    }

    @Test
    void slotLengthBeyondTheSlotIsCorrupt() throws IOException {
        Path f = validRegion("len");
        long slot1 = ObjectRegionDescriptor.slotOffset(ObjectRegionDescriptor.MIN_SLOT_CAPACITY, 1);
        patch(f, slot1 + ObjectRegionDescriptor.SLOT_LENGTH_OFFSET, le(4).putInt(0, 1 << 30));
        try (var follower = SharedObject.follower("len", String.class, options)) {
            assertThatThrownBy(follower::get).isInstanceOf(CorruptRegionException.class)
                    .hasMessageContaining("region len").hasMessageContaining("exceeds slot capacity");
        }
    }

    @Test
    void crcMismatchIsCorruptAndTheNextPublishHeals() throws IOException {
        Path f = validRegion("crc");
        long slot1 = ObjectRegionDescriptor.slotOffset(ObjectRegionDescriptor.MIN_SLOT_CAPACITY, 1);
        patch(f, slot1 + ObjectRegionDescriptor.SLOT_HEADER_LENGTH, ByteBuffer.wrap("bad!".getBytes()));
        try (var follower = SharedObject.follower("crc", String.class, options)) {
            assertThatThrownBy(follower::get).isInstanceOf(CorruptRegionException.class).hasMessageContaining("CRC-32 mismatch");
            try (var master = SharedObject.master("crc", ObjectCodecs.text(), options)) {
                master.publish("healed");
            }
            assertThat(follower.get()).isEqualTo("healed");
        }
    }

    @Test
    void aCrashedGrowthLeavesTheOldFileLiveAndTheNextMasterClearsTheFlag() throws IOException {
        Path f = validRegion("crashgrow");
        patch(f, ObjectRegionDescriptor.FLAGS_OFFSET, le(4).putInt(0, ObjectRegionDescriptor.FLAG_SUPERSEDED));
        try (var follower = SharedObject.follower("crashgrow", String.class, options)) {
            assertThat(follower.get()).isEqualTo("good"); // still the live file: its version is current
            try (var master = SharedObject.master("crashgrow", ObjectCodecs.text(), options)) {
                master.publish("after");
            }
            assertThat(follower.get()).isEqualTo("after");
        }
        assertThat(Files.readAllBytes(f)[ObjectRegionDescriptor.FLAGS_OFFSET]).isZero();
    }

    @Test
    void aSupersededFileWhoseTagWasRemovedKeepsItsLastVersionUntilTheTagReturns() throws IOException {
        Path f = validRegion("removed");
        try (var follower = SharedObject.follower("removed", String.class, options)) {
            assertThat(follower.get()).isEqualTo("good");
            patch(f, ObjectRegionDescriptor.FLAGS_OFFSET, le(4).putInt(0, ObjectRegionDescriptor.FLAG_SUPERSEDED));
            Files.delete(f);
            assertThat(follower.get()).isEqualTo("good"); // was UncheckedIOException "cannot be reopened"
            assertThat(follower.snapshot().version()).isEqualTo(1);
            try (var master = SharedObject.master("removed", ObjectCodecs.text(), options)) {
                master.publish("back");
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!"back".equals(follower.get()) && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // the follower retries the tag at most once a millisecond
                }
                assertThat(follower.get()).isEqualTo("back");
            }
        }
    }

    @Test
    void aGrownFileKeepsTheOldFilesPermissionsWhateverTheMastersOptions() throws IOException {
        Path f = validRegion("perm");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        try (var master = SharedObject.master("perm", ObjectCodecs.bytes(), options)) { // OWNER_ONLY options
            master.publish(new byte[2 * ObjectRegionDescriptor.MIN_SLOT_CAPACITY]);
        }
        assertThat(Files.size(f)).isGreaterThan(ObjectRegionDescriptor.fileLength(ObjectRegionDescriptor.MIN_SLOT_CAPACITY));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
    }

    @Test
    void aMasterTakesATypeAsAFollowerDoes() throws IOException {
        try (SharedObjectMaster<Config> master = SharedObject.master("typed", Config.class, options);
             var follower = SharedObject.follower("typed", Config.class, options)) {
            master.publish(new Config("red", 2, List.of()));
            assertThat(follower.get()).isEqualTo(new Config("red", 2, List.of()));
        }
        try (SharedObjectMaster<String> text = SharedObject.master("typed-text", String.class, options);
             var follower = SharedObject.follower("typed-text", String.class, options)) {
            text.publish("plain");
            assertThat(follower.snapshot().contentType()).isEqualTo(ContentType.TEXT);
        }
    }
}
