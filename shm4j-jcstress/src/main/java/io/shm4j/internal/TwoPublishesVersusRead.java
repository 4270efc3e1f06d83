package io.shm4j.internal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JZ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A reader overtaken: the master publishes versions 2 and 3, and version 3 rewrites the slot
 * that held version 1, which the reader may be copying (the case the sequence number exists
 * for). Every read is one whole version.
 */
@JCStressTest
@Outcome(id = "1, true", expect = ACCEPTABLE, desc = "version 1, whole (copied before the slot was reused)")
@Outcome(id = "2, true", expect = ACCEPTABLE, desc = "version 2, whole")
@Outcome(id = "3, true", expect = ACCEPTABLE, desc = "version 3, whole")
@Outcome(expect = FORBIDDEN, desc = "a torn, mixed or mislabelled read")
@State
public class TwoPublishesVersusRead {
    private final ObjectRegion region = Seqlock.withVersionOne();

    @Actor
    public void master() {
        Seqlock.publish(region, 2);
        Seqlock.publish(region, 3);
    }

    @Actor
    public void follower(JZ_Result r) {
        Seqlock.read(region, r);
    }
}
