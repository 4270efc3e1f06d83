package io.shm4j.internal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZI_Result;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The sleeper handshake (FORMAT.md 5.6), Dekker's pattern between a follower going to sleep and a
 * master publishing: the follower sets its asleep bit ({@link FollowerRegistry.Entry#asleep}), then
 * the kernel compares the notify word with the value the follower saw; the master stores the word,
 * fences and reads the bits ({@link Notifier#signal()} through {@link MasterWakeups}). Whatever the
 * interleaving, one of them sees the other's write: the master wakes, or the word has changed so
 * {@code FUTEX_WAIT} returns at once. The follower's second step is the kernel's compare, done here
 * as a volatile load (the kernel loads the word after the follower's locked instruction).
 */
@JCStressTest
@Outcome(id = "true, 0", expect = ACCEPTABLE, desc = "the master saw the bit and woke; the follower compared the old word (it sleeps, and is woken)")
@Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "each saw the other's write")
@Outcome(id = "false, 1", expect = ACCEPTABLE, desc = "no bit yet, so no wake; the follower saw the new word and does not sleep")
@Outcome(id = "false, 0", expect = FORBIDDEN, desc = "a lost wake-up: the follower sleeps on the old word and the master skipped FUTEX_WAKE")
@State
public class SleeperHandshake {
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final MemorySegment word;
    private final Notifier notifier;
    private final FollowerRegistry.Entry entry;

    public SleeperHandshake() {
        Arena arena = Arena.ofAuto(); // freed with the state: jcstress drops states, it closes nothing
        word = arena.allocate(Integer.BYTES, 64);
        // The smallest registry (32 entries, one bitmap word): states are made thousands a second.
        FollowerRegistry registry = new FollowerRegistry(Path.of("jcstress~followers"), null,
                arena.allocate(FollowerRegistryDescriptor.ENTRIES_OFFSET + 32L * FollowerRegistryDescriptor.ENTRY_LENGTH, 64),
                true, 32);
        // The entry's pid is 0 (no process): a reclaim skips it, so no actor calls into /proc.
        entry = new FollowerRegistry.Entry(registry, 0);
        MemorySegment legacy = arena.allocate(SleepersDescriptor.FILE_LENGTH, 64);
        notifier = new Notifier(word, 0, new MasterWakeups(registry, new Sleepers(Path.of("jcstress~sleepers"), null, legacy)));
    }

    @Actor
    public void master(ZI_Result r) {
        r.r1 = notifier.signal();
    }

    @Actor
    public void follower(ZI_Result r) {
        entry.asleep();
        r.r2 = (int) INT.getVolatile(word, 0L);
    }
}
