package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long a case's latency phase goes on: its time, then the fewest rounds, within its limit. */
class CaseSettingsTest {
    private static final CaseSettings FULL = CaseSettings.full();
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void aFullRunMeasuresAtLeastFifteenThousandRoundsWithinFifteenSeconds() {
        assertThat(FULL.latencyRounds()).isEqualTo(15_000);
        assertThat(FULL.latencyLimit()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void theLatencyPhaseLastsItsTimeHoweverManyRoundsItMade() {
        assertThat(FULL.latencyGoesOn(100_000, SECOND)).isTrue();
        assertThat(FULL.latencyGoesOn(100_000, 3 * SECOND / 2)).isFalse();
    }

    @Test
    void afterItsTimeItGoesOnUntilItMadeItsRoundsOrReachedItsLimit() {
        assertThat(FULL.latencyGoesOn(5_000, 2 * SECOND)).isTrue();
        assertThat(FULL.latencyGoesOn(15_000, 2 * SECOND)).isFalse();
        assertThat(FULL.latencyGoesOn(5_000, 15 * SECOND)).isFalse();
    }

    @Test
    void neverBeyondTheSampleCap() {
        assertThat(FULL.latencyGoesOn(500_000, 0)).isFalse();
        CaseSettings capped = new CaseSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 100, 0, Duration.ZERO,
                Duration.ofSeconds(1), null);
        assertThat(capped.latencyRounds()).isEqualTo(100);
        assertThat(capped.latencyGoesOn(100, 2 * SECOND)).isFalse();
    }

    @Test
    void aLongerPhaseScalesItsRoundsAndItsLimit() {
        CaseSettings tenTimes = FULL.withLatency(Duration.ofSeconds(15));
        assertThat(tenTimes.latencyRounds()).isEqualTo(150_000);
        assertThat(tenTimes.latencyLimit()).isEqualTo(Duration.ofSeconds(150));
        assertThat(tenTimes.warmup()).isEqualTo(FULL.warmup());
        assertThat(tenTimes.maxSamples()).isEqualTo(FULL.maxSamples());
    }

    @Test
    void aPhaseShorterThanOneMillisecondOrLongerThanTenMinutesIsRefused() {
        assertThatThrownBy(() -> FULL.withLatency(Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 1 to 600000 (10 minutes), not 0");
        assertThatThrownBy(() -> FULL.withLatency(Duration.ofMillis(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("not " + Long.MAX_VALUE);
        assertThat(FULL.withLatency(Duration.ofMinutes(10)).latencyLimit()).isEqualTo(Duration.ofMinutes(100));
    }
}
