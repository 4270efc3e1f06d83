package io.shm4j.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.shm4j.ContentType;
import io.shm4j.MasterConflictException;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.Shm4jException;
import io.shm4j.Snapshot;
import io.shm4j.testing.TestDirectory;
import io.shm4j.etcd.MirrorEvent.State;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mirror in one JVM against a real etcd: two region directories stand for two hosts. */
class EtcdMirrorTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private EtcdServer etcd;
    private TestDirectory hostA;
    private TestDirectory hostB;
    private final List<MirrorEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startEtcd() throws Exception {
        EtcdServer.assumeInstalled();
        etcd = EtcdServer.launch();
        hostA = new TestDirectory();
        hostB = new TestDirectory();
    }

    @AfterEach
    void stopEtcd() throws Exception {
        if (etcd != null) {
            etcd.close();
            hostA.close();
            hostB.close();
        }
    }

    private MirrorOptions options(TestDirectory host, String name, String... tags) {
        return options(etcd.endpoint(), host, name, tags);
    }

    private MirrorOptions options(String endpoint, TestDirectory host, String name, String... tags) {
        return MirrorOptions.of(endpoint).withTags(List.of(tags)).withHostName(name)
                .withShmOptions(host.options()).withListener(events::add);
    }

    @Test
    void pullPublishesEachPushedVersionByteForByteWithItsContentType() throws Exception {
        try (SharedObjectMaster<byte[]> master = SharedObject.master("cfg", ObjectCodecs.bytes(), hostA.options());
             EtcdMirror push = EtcdMirror.push(options(hostA, "a", "cfg"));
             EtcdMirror pull = EtcdMirror.pull(options(hostB, "b", "cfg"));
             SharedObjectFollower<byte[]> follower = SharedObject.follower("cfg", byte[].class, hostB.options())) {
            master.publishBytes(ContentType.TEXT, "first".getBytes(StandardCharsets.UTF_8));
            awaitPayload(follower, "first");
            assertThat(follower.snapshot().contentType()).isEqualTo(ContentType.TEXT);
            for (int i = 0; i < 50; i++) {
                master.publishBytes(ContentType.JSON, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            awaitPayload(follower, "{\"n\":49}");
            assertThat(follower.snapshot().contentType()).isEqualTo(ContentType.JSON);
            await(() -> pull.status().getFirst().sourceVersion() == master.version(), "the pull's status follows");
            MirrorStatus b = pull.status().getFirst();
            assertThat(b.role()).isEqualTo(EtcdMirror.Role.PULL);
            assertThat(b.state()).isEqualTo(State.ACTIVE);
            assertThat(b.sourceHost()).isEqualTo("a");
            assertThat(b.sourceVersion()).isEqualTo(master.version());
            assertThat(b.localVersion()).isEqualTo(follower.version());
            assertThat(b.lastRevision()).isPositive();
            // the push records the revision when etcd's answer reaches it, which may be after the pull saw the event
            await(() -> push.status().getFirst().lastRevision() == b.lastRevision(), "the push's status names the same revision");
        }
        assertThat(MirrorStatus.read(hostB.options())).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(State.CLOSED);
            assertThat(s.running()).isFalse();
        });
    }

    @Test
    void aSecondPusherIsRefusedNamingTheHolderAndAStandbyTakesOverWhenTheFirstCloses() throws Exception {
        try (SharedObjectMaster<Object> master = SharedObject.master("cfg", hostA.options())) {
            master.publish(Map.of("v", 1));
            EtcdMirror first = EtcdMirror.push(options(hostA, "host-one", "cfg"));
            try {
                assertThatThrownBy(() -> EtcdMirror.push(options(hostA, "host-two", "cfg")))
                        .isInstanceOf(PusherConflictException.class)
                        .hasMessageContaining("host host-one pid " + ProcessHandle.current().pid())
                        .satisfies(e -> assertThat(((PusherConflictException) e).holderHost()).isEqualTo("host-one"));
                try (EtcdMirror standby = EtcdMirror.push(options(hostA, "host-two", "cfg").withStandby(true))) {
                    assertThat(standby.status().getFirst().state()).isEqualTo(State.STANDBY);
                    first.close();
                    await(() -> standby.status().getFirst().state() == State.ACTIVE, "standby takes over");
                    master.publish(Map.of("v", 2));
                    await(() -> standby.status().getFirst().sourceVersion() == 2, "the new pusher pushes");
                }
            } finally {
                first.close();
            }
        }
    }

    @Test
    void anObjectAtTheLimitArrivesAndOneByteMoreIsRefusedNamingTheLimitAndTheEtcdFlag() throws Exception {
        MirrorOptions a = options(hostA, "a", "big");
        int max = (int) TagPusher.maxPayload(a, "big");
        try (SharedObjectMaster<byte[]> master = SharedObject.master("big", ObjectCodecs.bytes(), hostA.options());
             EtcdMirror push = EtcdMirror.push(a);
             EtcdMirror pull = EtcdMirror.pull(options(hostB, "b", "big"));
             SharedObjectFollower<byte[]> follower = SharedObject.follower("big", byte[].class, hostB.options())) {
            byte[] atLimit = new byte[max];
            atLimit[max - 1] = 7;
            master.publish(atLimit);
            await(() -> follower.version() > 0 && follower.snapshot().length() == max, "the object at the limit arrives");
            assertThat(follower.snapshot().bytes()).isEqualTo(atLimit);
            master.publish(new byte[max + 1]);
            await(() -> events.stream().anyMatch(e -> e.state() == State.REJECTED), "the push refuses");
            assertThat(events.stream().filter(e -> e.state() == State.REJECTED).findFirst().orElseThrow().message())
                    .contains("--max-request-bytes").contains(String.valueOf(MirrorOptions.ETCD_DEFAULT_MAX_REQUEST_BYTES))
                    .contains((max + 1) + " bytes");
            master.publish("small".getBytes(StandardCharsets.UTF_8));
            awaitPayload(follower, "small");
            await(() -> push.status().getFirst().state() == State.ACTIVE, "the push goes on after the refusal");
            await(() -> pull.status().getFirst().state() == State.ACTIVE, "the pull is active");
        }
    }

    @Test
    void anEtcdWithALowerLimitThanTheMirrorWasToldRefusesAndThePushSaysWhichFlag() throws Exception {
        try (EtcdServer small = EtcdServer.launch("--max-request-bytes=65536");
             SharedObjectMaster<byte[]> master = SharedObject.master("big", ObjectCodecs.bytes(), hostA.options());
             EtcdMirror push = EtcdMirror.push(options(small.endpoint(), hostA, "a", "big"))) {
            master.publish(new byte[100_000]);
            await(() -> events.stream().anyMatch(e -> e.state() == State.REJECTED), "etcd refuses, the push reports it");
            assertThat(events.stream().filter(e -> e.state() == State.REJECTED).findFirst().orElseThrow().message())
                    .contains("etcd refused it").contains("--max-request-bytes");
            master.publish(new byte[1000]);
            await(() -> push.status().getFirst().sourceVersion() == 2, "the push goes on with the next version");
        }
    }

    @Test
    void pullSkipsAValueThatIsNotAWholeRecordAndKeepsTheLastGoodVersion() throws Exception {
        try (EtcdMirror pull = EtcdMirror.pull(options(hostB, "b", "cfg"));
             Client c = Client.builder().endpoints(etcd.endpoint()).build()) {
            byte[] good = new MirrorRecord("good".getBytes(StandardCharsets.UTF_8), ContentType.TEXT, "x", 1, 1).encode();
            put(c, "/shm4j/cfg", good);
            try (SharedObjectFollower<byte[]> follower = awaitFollower(hostB, "cfg")) {
                awaitPayload(follower, "good");
                byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
                put(c, "/shm4j/cfg", truncated);
                await(() -> events.stream().anyMatch(e -> e.state() == State.REJECTED), "the pull rejects");
                assertThat(events.stream().filter(e -> e.state() == State.REJECTED).findFirst().orElseThrow().message())
                        .contains("not a shm4j mirror record").contains("keeps version 1");
                assertThat(follower.version()).isEqualTo(1);
                put(c, "/shm4j/cfg", new MirrorRecord("next".getBytes(StandardCharsets.UTF_8), ContentType.TEXT, "x", 2, 2).encode());
                awaitPayload(follower, "next");
            }
        }
    }

    @Test
    void pullRefusesATagWhoseLocalRegionHasAnotherMaster() throws Exception {
        try (SharedObjectMaster<Object> local = SharedObject.master("cfg", hostB.options())) {
            assertThatThrownBy(() -> EtcdMirror.pull(options(hostB, "b", "cfg")))
                    .isInstanceOf(Shm4jException.class).hasCauseInstanceOf(MasterConflictException.class)
                    .hasMessageContaining("cannot pull tag cfg").hasMessageContaining("pid " + ProcessHandle.current().pid());
        }
    }

    @Test
    void prefixWideMirroringCarriesEveryTagIncludingNewOnes() throws Exception {
        try (SharedObjectMaster<Object> one = SharedObject.master("one", hostA.options());
             EtcdMirror push = EtcdMirror.push(options(hostA, "a"));
             EtcdMirror pull = EtcdMirror.pull(options(hostB, "b"))) {
            one.publish(Map.of("tag", "one"));
            try (SharedObjectFollower<String> f = awaitFollower(hostB, "one", String.class)) {
                await(() -> "{\"tag\":\"one\"}".equals(f.get()), "tag one arrives");
            }
            try (SharedObjectMaster<Object> two = SharedObject.master("two", hostA.options())) {
                two.publish(Map.of("tag", "two"));
                try (SharedObjectFollower<String> f = awaitFollower(hostB, "two", String.class)) {
                    await(() -> "{\"tag\":\"two\"}".equals(f.get()), "tag two, created after the mirrors started, arrives");
                }
            }
            assertThat(pull.status()).extracting(MirrorStatus::tag).containsExactly("one", "two");
            assertThat(push.status()).extracting(MirrorStatus::tag).containsExactly("one", "two");
        }
    }

    @Test
    void aPullOfThePrefixReportsAKeyThatNamesNoTagOnce() throws Exception {
        try (SharedObjectMaster<Object> one = SharedObject.master("one", hostA.options());
             EtcdMirror push = EtcdMirror.push(options(hostA, "a", "one")); // its lock key /shm4j/one~pusher is no tag either
             EtcdMirror pull = EtcdMirror.pull(options(hostB, "b"));
             Client c = Client.builder().endpoints(etcd.endpoint()).build()) {
            byte[] record = new MirrorRecord("x".getBytes(StandardCharsets.UTF_8), ContentType.TEXT, "x", 1, 1).encode();
            put(c, "/shm4j/my config", record);
            put(c, "/shm4j/my config", record);
            one.publish(Map.of("tag", "one")); // after them in etcd: once it arrives, they were seen
            try (SharedObjectFollower<String> f = awaitFollower(hostB, "one", String.class)) {
                await(() -> "{\"tag\":\"one\"}".equals(f.get()), "tag one arrives");
            }
            assertThat(events.stream().filter(e -> e.role() == EtcdMirror.Role.PULL && e.state() == State.REJECTED))
                    .singleElement().satisfies(e -> assertThat(e.message())
                            .startsWith("key /shm4j/my config not pulled: invalid region tag 'my config'"));
        }
    }

    @Test
    void aPushFollowsItsTagToTheRegionCreatedAfterTheTagWasRemoved() throws Exception {
        for (MirrorOptions push : List.of(options(hostA, "a", "cfg"), options(hostA, "a"))) { // a named tag, and --all
            try (EtcdMirror pushing = EtcdMirror.push(push);
                 EtcdMirror pull = EtcdMirror.pull(options(hostB, "b", "cfg").withPrefix(push.prefix()));
                 SharedObjectFollower<byte[]> atB = awaitFollower(hostB, "cfg")) {
                try (SharedObjectMaster<byte[]> master = SharedObject.master("cfg", ObjectCodecs.bytes(), hostA.options())) {
                    master.publishBytes(ContentType.TEXT, "first region".getBytes(StandardCharsets.UTF_8));
                    awaitPayload(atB, "first region");
                }
                assertThat(SharedObject.delete("cfg", hostA.options())).isTrue();
                try (SharedObjectMaster<byte[]> master = SharedObject.master("cfg", ObjectCodecs.bytes(), hostA.options())) {
                    master.publishBytes(ContentType.TEXT, "second region".getBytes(StandardCharsets.UTF_8));
                    awaitPayload(atB, "second region");
                }
            }
            assertThat(SharedObject.delete("cfg", hostA.options())).isTrue();
            assertThat(SharedObject.delete("cfg", hostB.options())).isTrue();
        }
    }

    @Test
    void aPullWhoseRegionIsRemovedCreatesItAgainWithTheNextVersion() throws Exception {
        try (SharedObjectMaster<byte[]> master = SharedObject.master("cfg", ObjectCodecs.bytes(), hostA.options());
             EtcdMirror push = EtcdMirror.push(options(hostA, "a", "cfg"));
             EtcdMirror pull = EtcdMirror.pull(options(hostB, "b", "cfg"))) {
            master.publishBytes(ContentType.TEXT, "before".getBytes(StandardCharsets.UTF_8));
            try (SharedObjectFollower<byte[]> atB = awaitFollower(hostB, "cfg")) {
                awaitPayload(atB, "before");
            }
            assertThat(SharedObject.delete("cfg", hostB.options(), true)).isTrue(); // under its master, the pull (by hand, or a cleaner of /dev/shm)
            master.publishBytes(ContentType.TEXT, "after".getBytes(StandardCharsets.UTF_8));
            try (SharedObjectFollower<byte[]> atB = awaitFollower(hostB, "cfg")) {
                awaitPayload(atB, "after");
            }
        }
    }

    private static void put(Client c, String key, byte[] value) throws Exception {
        c.getKVClient().put(Etcd.bytes(key), ByteSequence.from(value)).get(30, TimeUnit.SECONDS);
    }

    private static SharedObjectFollower<byte[]> awaitFollower(TestDirectory host, String tag) throws Exception {
        return awaitFollower(host, tag, byte[].class);
    }

    private static <T> SharedObjectFollower<T> awaitFollower(TestDirectory host, String tag, Class<T> type) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            try {
                return SharedObject.follower(tag, type, host.options());
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("region " + tag + " never appeared", e);
                }
                Thread.sleep(20);
            }
        }
    }

    private static void awaitPayload(SharedObjectFollower<byte[]> follower, String text) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Snapshot s = follower.snapshot();
            if (s != null && s.text().equals(text)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never saw " + text + "; last " + (s == null ? null : s.text()));
            }
            Optional<Snapshot> ignored = follower.awaitNewer(s == null ? 0 : s.version(), Duration.ofMillis(200));
        }
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + DEADLINE + "; events: " + events);
            }
            Thread.sleep(20);
        }
    }
}
