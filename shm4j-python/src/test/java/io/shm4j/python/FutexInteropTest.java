package io.shm4j.python;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.FollowerWaitChild;
import io.shm4j.ObjectCodecs;
import io.shm4j.testing.ProcessProbe;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.testing.TestDirectory;
import io.shm4j.testing.FutexChild;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Waiting across languages: both sides use the same shared futex on the header's notify word
 * (docs/FORMAT.md 5.6), so a master of either language wakes the blocked waiters of the other.
 * Each waiter is first seen in {@code /proc} sleeping in a shared {@code FUTEX_WAIT}.
 */
class FutexInteropTest {
    private static final Duration START = ChildJvm.START;
    private static final String TAG = "wake";

    @Test
    void pythonMasterWakesBlockedJavaWaiters() throws Exception {
        try (TestDirectory dir = new TestDirectory()) {
            put(dir, "{\"n\":1}");
            // a raw futex wait with no time slices: only a FUTEX_WAKE ends it as WOKEN
            try (ChildJvm raw = ChildJvm.start(FutexChild.class, "futex", dir.path().resolve(TAG).toString(), "current", "60000");
                 ChildJvm follower = ChildJvm.start(FollowerWaitChild.class, "await", dir.path().toString(), TAG, "BLOCK", "1", "2", "60000")) {
                raw.awaitLine("WAITING", START);
                follower.awaitLine("WAITING", START);
                ProcessProbe.awaitSharedFutexWaiters(raw.pid(), 1, START);
                ProcessProbe.awaitSharedFutexWaiters(follower.pid(), 1, START);

                put(dir, "{\"n\":2}");

                assertThat(raw.awaitLine("RESULT", START)).startsWith("RESULT WOKEN ");
                assertThat(follower.awaitLine("GOT", START)).startsWith("GOT 2 ");
            }
        }
    }

    @Test
    void javaMasterWakesABlockedPythonWaiter() throws Exception {
        try (TestDirectory dir = new TestDirectory();
             SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("one");
            try (ChildJvm python = PythonPeer.procs("wait", TAG, dir.path(), 1, 600)) {
                assertThat(python.awaitLine("waiting", START)).isEqualTo("waiting futex=True");
                ProcessProbe.awaitSharedFutexWaiters(python.pid(), 1, START);

                master.publish("two");

                String[] woke = python.awaitLine("woke", Duration.ofSeconds(400)).split(" ");
                assertThat(woke[1]).isEqualTo("True");
                assertThat(woke[2]).isEqualTo("2");
                // its single FUTEX_WAIT had a 600 s timeout: returning long before means it was woken
                // (a margin no load reaches; a duration here would be a flaky floor)
                assertThat(Double.parseDouble(woke[3])).isLessThan(300.0);
            }
        }
    }

    private static void put(TestDirectory dir, String json) throws Exception {
        try (ChildJvm put = PythonPeer.module("shm4j", "put", TAG, json, "--dir", dir.path())) {
            assertThat(put.waitFor(START)).as("python put output %s", put.output()).isZero();
        }
    }
}
