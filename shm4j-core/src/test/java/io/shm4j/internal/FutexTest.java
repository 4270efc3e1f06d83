package io.shm4j.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Single-process behaviour of the futex calls; the cross-process wake is in {@link FutexCrossProcessTest}. */
class FutexTest {

    @Test
    void wakeWithNobodyWaitingWakesNobody() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            assertThat(Futex.wakeAll(word, 0)).isZero();
        }
    }

    @Test
    void waitOnAWordThatChangedReturnsValueChanged() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            word.set(ValueLayout.JAVA_INT, 0, 3);
            assertThat(Futex.await(word, 0, 2, 10_000_000_000L)).isEqualTo(Futex.VALUE_CHANGED);
        }
    }

    @Test
    void waitWithZeroTimeoutOnAnUnchangedWordTimesOut() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            assertThat(Futex.await(word, 0, 0, 0)).isEqualTo(Futex.TIMED_OUT);
        }
    }

    @Test
    void waitLastsAtLeastItsTimeout() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            long start = System.nanoTime();
            assertThat(Futex.await(word, 0, 0, 50_000_000L)).isEqualTo(Futex.TIMED_OUT);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(50_000_000L);
        }
    }

    @Test
    void wakeOfOneWakesOneWaiterPerCall() throws InterruptedException {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            AtomicInteger woken = new AtomicInteger();
            List<Thread> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiters.add(Thread.ofPlatform().start(() -> {
                    if (Futex.await(word, 0, 0, 60_000_000_000L) == Futex.WOKEN) {
                        woken.incrementAndGet();
                    }
                }));
            }
            // The word never changes, so a waiter that is late still sleeps until a wake finds it.
            int total = 0;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (total < 3 && System.nanoTime() < deadline) {
                int n = Futex.wake(word, 0, 1);
                assertThat(n).isBetween(0, 1);
                total += n;
                Thread.sleep(1);
            }
            for (Thread t : waiters) {
                t.join();
            }
            assertThat(total).isEqualTo(3);
            assertThat(woken).hasValue(3);
        }
    }

    @Test
    void wakeOfNoWaiterIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            assertThatThrownBy(() -> Futex.wake(word, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        }
    }

    @Test
    void misalignedWordIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = arena.allocate(8, 8);
            assertThatThrownBy(() -> Futex.wakeAll(words, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4-byte aligned");
        }
    }

    @Test
    void heapWordIsRefused() {
        MemorySegment heap = MemorySegment.ofArray(new int[1]);
        assertThatThrownBy(() -> Futex.await(heap, 0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native memory");
    }

    @Test
    void wordOutsideTheSegmentIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            assertThatThrownBy(() -> Futex.wakeAll(word, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
