package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The chart tells every peer apart. */
class LatencyChartTest {

    @Test
    void everyPeerHasAColourOfItsOwn() {
        int peers = Peers.all().size();
        assertThat(IntStream.range(0, peers).mapToObj(LatencyChart::color).distinct().count()).isEqualTo(peers);
    }
}
