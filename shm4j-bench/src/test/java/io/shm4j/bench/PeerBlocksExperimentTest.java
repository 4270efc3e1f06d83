package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link PeerBlocksExperiment} for a fraction of a second: each peer's loop, defined by a class
 * loader of its own, runs the peer's real code, the turn is labelled and compared, and no case
 * directory is left behind. How fast is not checked.
 */
class PeerBlocksExperimentTest {

    @Test
    void comparesPeersBlockByBlockAndCleansUp() throws Exception {
        Set<String> before = ExperimentRuns.scratchEntries("peer-blocks");
        String printed = ExperimentRuns.printedBy(() -> PeerBlocksExperiment.main(new String[] {"shm4j-spin,raw", "64", "0.2", "200"}));
        assertThat(printed).containsPattern("(FAST|SLOW|CHANGED) shm4j-spin \\d+ ns, raw \\d+ ns")
                .containsPattern("shm4j-spin / raw %: median \\d+")
                .containsPattern("shm4j-spin / the limit %: median \\d+")
                .containsPattern("raw, p50 ns: median \\d+");
        assertThat(ExperimentRuns.scratchEntries("peer-blocks")).isEqualTo(before);
    }

    @Test
    void refusesAPeerWhoseFollowerSleeps() {
        assertThatThrownBy(() -> PeerBlocksExperiment.main(new String[] {"shm4j-block,raw", "64"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shm4j-block's follower does not busy-poll");
    }
}
