package io.shm4j.internal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JZ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A follower holding version 1 reads ahead (FORMAT.md 5.2), again and again until it gets a
 * version or version 2 is committed, while the master publishes versions 2 (CRC-32 after the seq)
 * and 3 (which rewrites the slot of version 1, not the one read ahead): it returns nothing or
 * version 2, whole, checked against the CRC-32 the master stored before committing it; never a
 * torn copy, and never version 2 unless the master committed it (a read-ahead that does not see
 * the commit returns nothing). In quick runs 5-24% of the reads got version 2 ahead.
 */
@JCStressTest
@Outcome(id = "0, true", expect = ACCEPTABLE, desc = "nothing read ahead: committed before a read-ahead found the slot whole")
@Outcome(id = "2, true", expect = ACCEPTABLE, desc = "version 2 read ahead, whole")
@Outcome(expect = FORBIDDEN, desc = "a torn, mixed or mislabelled read")
@State
public class PublishVersusReadAhead {
    private final ObjectRegion region = Seqlock.withVersionOne();

    @Actor
    public void master() {
        Seqlock.publish(region, 2);
        Seqlock.publish(region, 3);
    }

    @Actor
    public void follower(JZ_Result r) {
        Seqlock.readAhead(region, 1, r);
    }
}
