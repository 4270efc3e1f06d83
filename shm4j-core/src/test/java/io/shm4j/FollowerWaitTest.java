package io.shm4j;

import io.shm4j.testing.ProcessProbe;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The life of waits and subscriptions inside one process: results, close, interrupt, failing
 * listeners. Waking across processes is in {@link FollowerWaitCrossProcessTest}.
 */
class FollowerWaitTest {
    private static final String TAG = "waits";
    private static final Duration LONG = Duration.ofSeconds(30);

    record Point(int x, int y) {
    }

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final SharedObjectMaster<String> master;

    FollowerWaitTest() throws IOException {
        master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options());
    }

    @AfterEach
    void closeMaster() {
        master.close();
    }

    private SharedObjectFollower<String> follower() throws IOException {
        return SharedObject.follower(TAG, ObjectCodecs.text(), dir.options());
    }

    @Test
    void awaitNewerReturnsANewerVersionAtOnceAndEmptyAfterTheTimeout() throws Exception {
        master.publish("a");
        try (var f = follower()) {
            assertThat(f.awaitNewer(0, Duration.ZERO)).hasValueSatisfying(s -> assertThat(s.text()).isEqualTo("a"));
            assertThat(f.awaitNewer(1, Duration.ZERO)).isEmpty();
            assertThat(f.awaitNewer(1, Duration.ofMillis(50))).isEmpty();
            assertThat(f.awaitNewer(1, Duration.ofMillis(-5))).isEmpty();
        }
    }

    @Test
    void awaitNewerOnAnEmptyRegionWaitsForTheFirstVersion() throws Exception {
        try (var f = follower()) {
            CompletableFuture<Optional<Snapshot>> next = inThread(() -> f.awaitNewer(0, LONG));
            master.publish("first");
            assertThat(next.get(30, TimeUnit.SECONDS)).hasValueSatisfying(s -> assertThat(s.version()).isEqualTo(1));
        }
    }

    @Test
    void aBackoffFollowerPollsWithTheIdleStrategyOfItsOptions() throws Exception {
        master.publish("a");
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        IdleStrategy counting = round -> {
            rounds.incrementAndGet();
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        };
        ShmOptions options = dir.options().withWaitStrategy(WaitStrategy.BACKOFF).withIdleStrategy(counting);
        try (var f = SharedObject.follower(TAG, ObjectCodecs.text(), options)) {
            CompletableFuture<Optional<Snapshot>> next = inThread(() -> f.awaitNewer(1, LONG));
            long deadline = System.nanoTime() + LONG.toNanos();
            while (rounds.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(rounds.get()).as("rounds idled by the strategy of the options").isPositive();
            master.publish("b");
            assertThat(next.get(30, TimeUnit.SECONDS)).hasValueSatisfying(s -> assertThat(s.text()).isEqualTo("b"));
        }
    }

    @Test
    void idleStrategyBackoffRefusesNonsense() {
        assertThatThrownBy(() -> IdleStrategy.backoff(-1, 0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdleStrategy.backoff(0, 0, 2, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdleStrategy.backoff(0, 0, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        IdleStrategy fine = IdleStrategy.backoff(1, 1, 1, 1_000, 1);
        for (int round = 0; round < 80; round++) {
            fine.idle(round); // spins, yields, then parks up to 1 µs: no overflow however long
        }
    }

    @Test
    void awaitNewerWithAnEnormousTimeoutIsAccepted() throws Exception {
        master.publish("a");
        try (var f = follower()) {
            CompletableFuture<Optional<Snapshot>> next = inThread(() -> f.awaitNewer(1, Duration.ofSeconds(Long.MAX_VALUE)));
            master.publish("b");
            assertThat(next.get(30, TimeUnit.SECONDS)).hasValueSatisfying(s -> assertThat(s.text()).isEqualTo("b"));
        }
    }

    @Test
    void awaitNewerOnAClosedFollowerThrows() throws Exception {
        var f = follower();
        f.close();
        assertThatThrownBy(() -> f.awaitNewer(0, LONG)).isInstanceOf(IllegalStateException.class).hasMessageContaining(TAG);
    }

    @Test
    void interruptEndsAwaitNewer() throws Exception {
        try (var f = follower()) {
            CompletableFuture<Thread> started = new CompletableFuture<>();
            CompletableFuture<Optional<Snapshot>> next = inThread(() -> {
                started.complete(Thread.currentThread());
                return f.awaitNewer(0, LONG);
            });
            ProcessProbe.awaitSharedFutexWaiters(ProcessHandle.current().pid(), 1, LONG);

            started.get().interrupt();

            assertThatThrownBy(() -> next.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void subscriptionStartsWithTheCurrentVersionAndFollowsInOrder() throws Exception {
        master.publish("v1");
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (var f = follower(); var s = f.subscribe((snapshot, value) -> seen.add(snapshot.version() + "=" + value))) {
            assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("1=v1");
            master.publish("v2");
            assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("2=v2");
            assertThat(s.isActive()).isTrue();
        }
    }

    @Test
    void aVersionThatDoesNotDecodeIsSkipped() throws Exception {
        master.publish("not json");
        BlockingQueue<Point> seen = new LinkedBlockingQueue<>();
        try (var f = SharedObject.follower(TAG, Point.class, dir.options());
             var ignored = f.subscribe((snapshot, value) -> seen.add(value))) {
            master.publish("{\"x\":1,\"y\":2}");
            assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo(new Point(1, 2));
            assertThat(seen).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aThrowingListenerGetsTheNextVersion(boolean checked) throws Exception {
        master.publish("bad");
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (var f = follower(); var s = f.subscribe((snapshot, value) -> {
            seen.add(value);
            if (value.equals("bad")) {
                // checked: as a listener written in Kotlin or Scala may throw
                throwUnchecked(checked ? new IOException("listener failure on purpose")
                        : new IllegalStateException("listener failure on purpose"));
            }
        })) {
            assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("bad");
            master.publish("good");
            assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("good");
            assertThat(s.isActive()).isTrue();
        }
    }

    @Test
    void aVersionTheCodecFailsOnWithAnotherExceptionIsSkipped() throws Exception {
        CompletableFuture<Void> refused = new CompletableFuture<>();
        ObjectCodec<Integer> strict = new ObjectCodec<>() {
            @Override
            public ContentType contentType() {
                return ContentType.TEXT;
            }

            @Override
            public byte[] encode(Integer value) {
                return value.toString().getBytes();
            }

            @Override
            public Integer decode(byte[] payload) {
                try {
                    return Integer.parseInt(new String(payload));
                } catch (NumberFormatException e) {
                    refused.complete(null);
                    throw e; // not the CodecException the interface asks for
                }
            }
        };
        master.publish("not a number");
        BlockingQueue<Integer> seen = new LinkedBlockingQueue<>();
        try (var f = SharedObject.follower(TAG, strict, dir.options());
             var s = f.subscribe((snapshot, value) -> seen.add(value))) {
            refused.get(30, TimeUnit.SECONDS);
            master.publish("42");
            assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(seen).isEmpty();
            assertThat(s.isActive()).isTrue();
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void throwUnchecked(Throwable t) throws E {
        throw (E) t;
    }

    @Test
    void closingASubscriptionFromItsListenerStopsDeliveries() throws Exception {
        master.publish("1");
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        try (var f = follower()) {
            Subscription[] self = new Subscription[1];
            CompletableFuture<Void> closed = new CompletableFuture<>();
            self[0] = f.subscribe((snapshot, value) -> {
                seen.add(value);
                while (self[0] == null) {
                    Thread.onSpinWait(); // subscribe() has not returned the handle yet
                }
                self[0].close();
                closed.complete(null);
            });
            closed.get(30, TimeUnit.SECONDS);
            master.publish("2");
            assertThat(f.awaitNewer(1, LONG)).isPresent();
            assertThat(seen).containsExactly("1");
            awaitInactive(self[0]);
        }
    }

    @Test
    void closingAWaitingSubscriptionEndsItsThread() throws Exception {
        try (var f = follower()) {
            Subscription s = f.subscribe((snapshot, value) -> {
            });
            ProcessProbe.awaitSharedFutexWaiters(ProcessHandle.current().pid(), 1, LONG);

            s.close(); // returns once the thread has ended

            assertThat(s.isActive()).isFalse();
            assertThat(ProcessProbe.threadsInSharedFutexWait(ProcessHandle.current().pid())).isZero();
        }
    }

    @Test
    void closingTheFollowerEndsItsWaitersAndSubscriptions() throws Exception {
        var f = follower();
        List<Subscription> subs = List.of(f.subscribe((s, v) -> {
        }), f.subscribe((s, v) -> {
        }));
        CompletableFuture<Optional<Snapshot>> waiting = inThread(() -> f.awaitNewer(0, LONG));
        ProcessProbe.awaitSharedFutexWaiters(ProcessHandle.current().pid(), 3, LONG);

        f.close();

        assertThatThrownBy(() -> waiting.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(subs).noneMatch(Subscription::isActive);
        assertThatThrownBy(() -> f.subscribe((s, v) -> {
        })).isInstanceOf(IllegalStateException.class);
    }

    /**
     * A spinning wait first checks a few times without reading the clock or touching the
     * registry (FollowedRegion.changesSoon); its timeout and results are those of any wait.
     */
    @Test
    void aSpinningWaitTimesOutOnTimeAndReturnsEveryNewVersion() throws Exception {
        master.publish("a");
        try (var f = SharedObject.follower(TAG, ObjectCodecs.text(), dir.options().withWaitStrategy(WaitStrategy.BUSY_SPIN))) {
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(f.awaitNewer(buffer, Duration.ZERO)).isTrue();
            assertThat(buffer.version()).isEqualTo(1);
            long start = System.nanoTime();
            assertThat(f.awaitNewer(buffer, Duration.ofMillis(50))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
            assertThat(f.awaitNewer(1, Duration.ZERO)).isEmpty();
            for (long v = 2; v <= 200; v++) {
                CompletableFuture<Boolean> next = inThread(() -> f.awaitNewer(buffer, LONG));
                master.publish("v" + v);
                assertThat(next.get(30, TimeUnit.SECONDS)).isTrue();
                assertThat(buffer.version()).isEqualTo(v);
                long version = v;
                assertThat(f.awaitNewer(v - 1, LONG)).hasValueSatisfying(s -> assertThat(s.version()).isEqualTo(version));
            }
        }
    }

    @Test
    void aSpinningWaitFollowsTheRegionToTheFileItGrewInto() throws Exception {
        master.publish("small");
        try (var f = SharedObject.follower(TAG, ObjectCodecs.text(), dir.options().withWaitStrategy(WaitStrategy.BUSY_SPIN))) {
            long before = f.version();
            CompletableFuture<Optional<Snapshot>> next = inThread(() -> f.awaitNewer(before, LONG));
            String large = "x".repeat(1 << 20); // beyond the first file's slot: the master grows the region
            master.publish(large);
            assertThat(next.get(30, TimeUnit.SECONDS)).hasValueSatisfying(s -> assertThat(s.text()).isEqualTo(large));
        }
    }

    @Test
    void followerReportsTheStrategyItWaitsWith() throws Exception {
        try (var f = SharedObject.follower(TAG, ObjectCodecs.text(), dir.options().withWaitStrategy(WaitStrategy.YIELD))) {
            assertThat(f.waitStrategy()).isEqualTo(WaitStrategy.YIELD);
        }
        assertThat(ShmOptions.defaults().waitStrategy()).isEqualTo(WaitStrategy.SPIN_THEN_BLOCK);
        assertThatThrownBy(() -> ShmOptions.defaults().withWaitStrategy(null)).isInstanceOf(NullPointerException.class);
    }

    private static void awaitInactive(Subscription s) throws InterruptedException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (s.isActive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(s.isActive()).isFalse();
    }

    /** Runs {@code body} on its own platform thread. */
    private static <T> CompletableFuture<T> inThread(Callable<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                f.complete(body.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }
}
