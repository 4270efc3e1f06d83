package io.shm4j.cli;

import io.shm4j.ChildJvm;
import io.shm4j.ObjectCodecs;
import io.shm4j.ProcessProbe;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code shm4j watch} as a real process, woken by a master in this JVM. */
class WatchCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TAG = "watched";

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void idleWatcherSleepsInTheKernelAndPrintsEachPublish() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("first");
            try (ChildJvm watch = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "watch", TAG)) {
                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":1,\"value\":\"first\"}");
                // idle: blocked in a futex wait, not polling
                ProcessProbe.awaitSharedFutexWaiters(watch.pid(), 1, TIMEOUT);

                master.publish("second");

                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":2,\"value\":\"second\"}");
                ProcessProbe.awaitSharedFutexWaiters(watch.pid(), 1, TIMEOUT);
                assertThat(watch.process().isAlive()).isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spin", "backoff", "block"})
    void everyStrategyPrintsEachVersion(String strategy) throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("a");
            try (ChildJvm watch = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "watch", TAG, "--strategy", strategy)) {
                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":1,\"value\":\"a\"}");
                master.publish("b");
                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":2,\"value\":\"b\"}");
            }
        }
    }

    @Test
    void unknownStrategyIsAUsageError() {
        CliRun run = CliRun.in(dir.path(), "watch", TAG, "--strategy", "nap");

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("--strategy").contains("nap").contains("block, spin, backoff");
    }
}
