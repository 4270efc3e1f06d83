package io.shm4j.python;

import io.shm4j.ChildJvm;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.Snapshot;
import io.shm4j.TestDirectory;
import io.shm4j.WaitStrategy;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wake-up across languages on the region's futex word (FORMAT.md 5.6): a Python follower
 * process asleep in FUTEX_WAIT is woken by this JVM's master publishing, and a follower of this
 * JVM blocked in the futex ({@link WaitStrategy#BLOCK}) is woken by a Python master process.
 * Both waits have a 30 s timeout; returning within 10 s with the new version shows the publish
 * woke them.
 */
class CrossLanguageWakeupTest {
    private static final Duration START = Duration.ofSeconds(30);

    @Test
    void aJavaPublishWakesAPythonFollowerProcess() throws Exception {
        try (TestDirectory dir = new TestDirectory();
             SharedObjectMaster<Object> master = SharedObject.master("wake", dir.options())) {
            master.publish(Map.of("v", 1));
            try (ChildJvm waiter = PythonPeer.procs("wait", "wake", dir.path(), 1, 30)) {
                assertThat(waiter.awaitLine("waiting", START)).isEqualTo("waiting futex=True");
                Thread.sleep(300); // let it block in FUTEX_WAIT
                master.publish(Map.of("v", 2));
                String[] woke = waiter.awaitLine("woke", START).split(" ");
                assertThat(woke[1]).isEqualTo("True");
                assertThat(woke[2]).isEqualTo("2");
                assertThat(Double.parseDouble(woke[3])).as("seconds asleep").isLessThan(10.0);
            }
        }
    }

    @Test
    void aPythonPublishWakesABlockedJavaFollower() throws Exception {
        try (TestDirectory dir = new TestDirectory();
             ChildJvm python = PythonPeer.procs("serve", "wake", dir.path())) {
            python.awaitLine("ready", START);
            OutputStream toPython = python.process().getOutputStream();
            send(toPython, "{\"v\": 1}");
            assertThat(python.awaitLine("published", START)).isEqualTo("published 1");
            try (SharedObjectFollower<JsonNode> follower = SharedObject.follower("wake", JsonNode.class,
                    dir.options().withWaitStrategy(WaitStrategy.BLOCK))) {
                long started = System.nanoTime();
                CompletableFuture<Optional<Snapshot>> woken = CompletableFuture.supplyAsync(() -> {
                    try {
                        return follower.awaitNewer(1, Duration.ofSeconds(30));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(300); // let it block in FUTEX_WAIT
                assertThat(woken).isNotDone();
                send(toPython, "{\"v\": 2}");
                Optional<Snapshot> next = woken.get(30, TimeUnit.SECONDS);
                assertThat(next).isPresent();
                assertThat(next.get().version()).isEqualTo(2);
                assertThat(next.get().text()).isEqualTo("{\"v\":2}");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            }
            toPython.close();
            assertThat(python.waitFor(START)).isZero();
        }
    }

    private static void send(OutputStream out, String line) throws java.io.IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
