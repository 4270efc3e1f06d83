package io.shm4j.internal;

import io.shm4j.testing.Registered;
import io.shm4j.IdleStrategy;
import io.shm4j.testing.ProcessProbe;
import io.shm4j.testing.TestDirectory;
import io.shm4j.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.shm4j.internal.ObjectRegionDescriptor.NOTIFY_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A waiter's life inside one process: close and interrupt while threads wait, timeouts. Waking
 * across processes is in {@link FutexCrossProcessTest}.
 */
class ChangeWaiterTest {
    private static final long FOREVER = Long.MAX_VALUE;

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment header = arena.allocate(ObjectRegionDescriptor.HEADER_LENGTH, 64);
    private final FollowerRegistry.Entry entry = Registered.entry(dir.path().resolve("waiter"), dir.options());
    private final Sleepers legacy = Registered.legacy(dir.path().resolve("waiter"), dir.options());
    private final MasterWakeups wakeups = Registered.wakeups(dir.path().resolve("waiter"), dir.options());

    ChangeWaiterTest() throws IOException {
    }

    @AfterEach
    void free() {
        arena.close();
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void closeMakesAWaitingThreadReturnClosedPromptly(WaitStrategy strategy) throws Exception {
        ChangeWaiter waiter = ChangeWaiter.create(strategy, IdleStrategy.backoff(), entry, legacy);
        CompletableFuture<ChangeWaiter.Outcome> waiting = waitInThread(waiter, FOREVER);
        if (waiter.effective() == WaitStrategy.BLOCK || waiter.effective() == WaitStrategy.SPIN_THEN_BLOCK) {
            ProcessProbe.awaitSharedFutexWaiters(ProcessHandle.current().pid(), 1, Duration.ofSeconds(10));
        } else {
            Thread.sleep(50);
        }
        assertThat(waiting).isNotDone();

        waiter.close();

        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo(ChangeWaiter.Outcome.CLOSED);
    }

    @Test
    void closedWaiterReturnsClosedAtOnce() throws Exception {
        ChangeWaiter waiter = ChangeWaiter.create(WaitStrategy.BLOCK, IdleStrategy.backoff(), entry, legacy);
        waiter.close();
        assertThat(waiter.await(header, NOTIFY_OFFSET, () -> false, FOREVER)).isEqualTo(ChangeWaiter.Outcome.CLOSED);
    }

    @Test
    void readyConditionWinsOverClose() throws Exception {
        ChangeWaiter waiter = ChangeWaiter.create(WaitStrategy.BLOCK, IdleStrategy.backoff(), entry, legacy);
        waiter.close();
        assertThat(waiter.await(header, NOTIFY_OFFSET, () -> true, FOREVER)).isEqualTo(ChangeWaiter.Outcome.READY);
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void timeoutEndsTheWait(WaitStrategy strategy) throws Exception {
        try (ChangeWaiter waiter = ChangeWaiter.create(strategy, IdleStrategy.backoff(), entry, legacy)) {
            long start = System.nanoTime();
            assertThat(waiter.await(header, NOTIFY_OFFSET, () -> false, TimeUnit.MILLISECONDS.toNanos(120)))
                    .isEqualTo(ChangeWaiter.Outcome.TIMED_OUT);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(120));
        }
    }

    @Test
    void interruptEndsABlockedWait() throws Exception {
        try (ChangeWaiter waiter = ChangeWaiter.create(WaitStrategy.BLOCK, IdleStrategy.backoff(), entry, legacy)) {
            CompletableFuture<ChangeWaiter.Outcome> waiting = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    waiting.complete(waiter.await(header, NOTIFY_OFFSET, () -> false, FOREVER));
                } catch (Throwable e) {
                    waiting.completeExceptionally(e);
                }
            });
            ProcessProbe.awaitSharedFutexWaiters(ProcessHandle.current().pid(), 1, Duration.ofSeconds(10));

            t.interrupt();

            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void signalWakesASleepingThreadOfThisProcess() throws Exception {
        try (ChangeWaiter waiter = ChangeWaiter.create(WaitStrategy.BLOCK, IdleStrategy.backoff(), entry, legacy)) {
            int before = header.get(ValueLayout.JAVA_INT, NOTIFY_OFFSET);
            CompletableFuture<ChangeWaiter.Outcome> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return waiter.await(header, NOTIFY_OFFSET,
                            () -> header.get(ValueLayout.JAVA_INT, NOTIFY_OFFSET) != before, FOREVER);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            ProcessProbe.awaitSharedFutexWaiters(ProcessHandle.current().pid(), 1, Duration.ofSeconds(10));

            new Notifier(header, NOTIFY_OFFSET, wakeups).signal();

            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(ChangeWaiter.Outcome.READY);
            assertThat(header.get(ValueLayout.JAVA_INT, NOTIFY_OFFSET)).isEqualTo(before + 1);
        }
    }

    private CompletableFuture<ChangeWaiter.Outcome> waitInThread(ChangeWaiter waiter, long timeoutNanos) {
        CompletableFuture<ChangeWaiter.Outcome> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                f.complete(waiter.await(header, NOTIFY_OFFSET, () -> false, timeoutNanos));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
