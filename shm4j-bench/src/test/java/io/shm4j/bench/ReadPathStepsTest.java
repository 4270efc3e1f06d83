package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link ReadPathSteps} for a fraction of a second: every step runs (each one's checked read
 * must succeed, or the step throws) and is printed with its ratios, and no region directory is
 * left behind. How fast is not checked.
 */
class ReadPathStepsTest {

    @Test
    void measuresEveryStepAndCleansUp() throws Exception {
        Set<String> before = ExperimentRuns.scratchEntries("shm4j-read-steps-");
        String printed = ExperimentRuns.printedBy(() -> ReadPathSteps.main(new String[] {"0.2", "1024"}));
        for (String step : new String[] {"copy", "copy, then CRC-32", "CrcCopy", "\\+ seq twice", "\\+ slot fields", "readCommitted",
                "\\+ flags, fault point", "readNewer, unregistered", "readNewer"}) {
            assertThat(printed).containsPattern("(?m)^  " + step + " +[0-9.]+ [^ ]+/op +[0-9.]+x copy +[0-9.]+x copy, then CRC-32");
        }
        assertThat(ExperimentRuns.scratchEntries("shm4j-read-steps-")).isEqualTo(before);
    }
}
