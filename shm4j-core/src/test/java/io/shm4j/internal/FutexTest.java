package io.shm4j.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
