package io.shm4j.testing;

import io.shm4j.ObjectCodecs;
import io.shm4j.RegionNotFoundException;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.Subscription;
import io.shm4j.WaitStrategy;
import io.shm4j.internal.ChangeWaiter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A follower process for the waiting tests; args {@code MODE DIR TAG STRATEGY ...}. It prints
 * {@code WAITING <effective strategy>} before it first waits.
 * <ul>
 * <li>{@code await DIR TAG STRATEGY FROM UNTIL TIMEOUT_MS [reading|go]}: {@code awaitNewer} from
 * version FROM until it has seen UNTIL; prints {@code GOT <version> <length>} per result, or
 * {@code TIMEOUT <elapsed ms>} and exits. With {@code reading}, another thread calls
 * {@code get()} all the while and at the end prints {@code READER <n> reads, <first failure or ok>}.
 * With {@code go}, it first reads once ({@code get()}), prints {@code READY} and waits for a line
 * on stdin.</li>
 * <li>{@code subscribe DIR TAG STRATEGY UNTIL}: prints {@code VERSION <version> <value>} per
 * listener call until it gets UNTIL, then closes the subscription and prints {@code DONE}.</li>
 * <li>{@code close DIR TAG STRATEGY}: one thread waits in {@code awaitNewer} (60 s timeout);
 * once it sleeps (or after 300 ms for polling strategies) the main thread closes the follower
 * and prints {@code CLOSED <how the waiting call ended>}.</li>
 * <li>{@code master DIR TAG VALUE}: becomes the master, publishes VALUE, prints
 * {@code PUBLISHED <version>} and sleeps until killed.</li>
 * <li>{@code pingpong DIR OUT IN ROUNDS first|second}: master of OUT, BLOCK follower of IN;
 * passes a counter back and forth with the other pingpong process until it reaches ROUNDS (the
 * first one publishes 1). Prints {@code READY <kernel wait slice ms>}, then
 * {@code RESULT <rounds> <seconds>}, or {@code TIMEOUT <counter> <version then found>} if a
 * wait lasted its whole 20 s timeout.</li>
 * </ul>
 */
public final class FollowerWaitChild {
    private static final Duration PING_PONG_TIMEOUT = Duration.ofSeconds(20);

    private FollowerWaitChild() {
    }

    public static void main(String[] args) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[1]));
        String tag = args[2];
        if (args[0].equals("pingpong")) {
            pingPong(options, tag, args[3], Long.parseLong(args[4]), args[5].equals("first"));
            return;
        }
        if (args[0].equals("master")) {
            try (SharedObjectMaster<String> master = SharedObject.master(tag, ObjectCodecs.text(), options)) {
                System.out.println("PUBLISHED " + master.publish(args[3]));
                Thread.sleep(Long.MAX_VALUE);
            }
        }
        options = options.withWaitStrategy(WaitStrategy.valueOf(args[3]));
        try (SharedObjectFollower<String> follower = SharedObject.follower(tag, ObjectCodecs.text(), options)) {
            switch (args[0]) {
                case "await" -> {
                    Reader reader = args.length > 7 && args[7].equals("reading") ? new Reader(follower) : null;
                    if (args.length > 7 && args[7].equals("go")) {
                        follower.get();
                        System.out.println("READY");
                        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
                    }
                    await(follower, Long.parseLong(args[4]), Long.parseLong(args[5]), Long.parseLong(args[6]));
                    if (reader != null) {
                        System.out.println("READER " + reader.stop());
                    }
                }
                case "subscribe" -> subscribe(follower, Long.parseLong(args[4]));
                case "close" -> closeWhileWaiting(follower);
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        }
    }

    private static void await(SharedObjectFollower<String> follower, long from, long until, long timeoutMs)
            throws InterruptedException {
        System.out.println("WAITING " + follower.waitStrategy());
        for (long seen = from; seen < until; ) {
            long start = System.nanoTime();
            Optional<Snapshot> next = follower.awaitNewer(seen, Duration.ofMillis(timeoutMs));
            if (next.isEmpty()) {
                System.out.println("TIMEOUT " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                return;
            }
            seen = next.get().version();
            System.out.println("GOT " + seen + " " + next.get().length());
        }
    }

    private static void pingPong(ShmOptions options, String out, String in, long rounds, boolean first) throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(out, ObjectCodecs.text(), options)) {
            System.out.println("READY " + Long.getLong(ChangeWaiter.BLOCK_SLICE_PROPERTY, 250));
            try (SharedObjectFollower<String> follower = openWhenCreated(in, options.withWaitStrategy(WaitStrategy.BLOCK))) {
                long start = System.nanoTime();
                if (first) {
                    master.publish("1");
                }
                long seen = 0;
                long counter = 0;
                while (counter < rounds) {
                    long waitStart = System.nanoTime();
                    Optional<Snapshot> next = follower.awaitNewer(seen, PING_PONG_TIMEOUT);
                    if (System.nanoTime() - waitStart >= PING_PONG_TIMEOUT.toNanos()) {
                        // Only the timeout ended the wait, whatever it then found: no wake-up came.
                        System.out.println("TIMEOUT " + counter + " " + next.map(Snapshot::version).orElse(-1L));
                        return;
                    }
                    seen = next.get().version();
                    counter = Long.parseLong(follower.get()) + 1;
                    master.publish(Long.toString(counter));
                }
                System.out.printf("RESULT %d %.1f%n", counter, (System.nanoTime() - start) / 1e9);
            }
        }
    }

    private static SharedObjectFollower<String> openWhenCreated(String tag, ShmOptions options) throws Exception {
        while (true) {
            try {
                return SharedObject.follower(tag, ObjectCodecs.text(), options);
            } catch (RegionNotFoundException e) {
                Thread.sleep(10);
            }
        }
    }

    /** A thread calling {@code get()} in a loop, as an application's reader threads do. */
    private static final class Reader {
        private final Thread thread;
        private volatile boolean stop;
        private volatile String failure = "ok";
        private long reads;

        Reader(SharedObjectFollower<String> follower) {
            thread = Thread.ofPlatform().start(() -> {
                try {
                    while (!stop) {
                        follower.get();
                        reads++;
                        Thread.onSpinWait();
                    }
                } catch (RuntimeException e) {
                    failure = e.toString();
                }
            });
        }

        String stop() throws InterruptedException {
            stop = true;
            thread.join();
            return reads + " reads, " + failure;
        }
    }

    private static void subscribe(SharedObjectFollower<String> follower, long until) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        try (Subscription ignored = follower.subscribe((snapshot, value) -> {
            System.out.println("VERSION " + snapshot.version() + " " + value);
            if (snapshot.version() >= until) {
                done.countDown();
            }
        })) {
            System.out.println("WAITING " + follower.waitStrategy());
            done.await();
        }
        System.out.println("DONE");
    }

    private static void closeWhileWaiting(SharedObjectFollower<String> follower) throws Exception {
        long version = follower.version();
        CompletableFuture<String> ended = new CompletableFuture<>();
        Thread waiting = Thread.ofPlatform().start(() -> {
            try {
                ended.complete("returned " + follower.awaitNewer(version, Duration.ofSeconds(60)));
            } catch (Throwable t) {
                ended.complete(t.getClass().getSimpleName());
            }
        });
        System.out.println("WAITING " + follower.waitStrategy());
        WaitStrategy s = follower.waitStrategy();
        if (s == WaitStrategy.BLOCK || s == WaitStrategy.SPIN_THEN_BLOCK) {
            ProcessProbe.awaitSharedFutexWaiters(ProcessHandle.current().pid(), 1, Duration.ofSeconds(30));
        } else {
            Thread.sleep(300);
        }
        follower.close();
        System.out.println("CLOSED " + ended.get(10, TimeUnit.SECONDS) + (waiting.join(Duration.ofSeconds(10)) ? "" : " (thread still alive)"));
    }
}
